"""Feature building shared by offline training and online serving."""
