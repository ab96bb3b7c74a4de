"""The widget's delivery routes and the demo event site that embeds it like any host site would."""
