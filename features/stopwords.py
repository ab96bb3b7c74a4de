"""Stop words per language: the words too common to say what an event is about.

Short, hand-kept lists (function words plus the boilerplate of event
descriptions). They are written without accents because :mod:`features.text`
compares accent-folded, lower-case tokens against them.
"""

from __future__ import annotations

from typing import Final

_DUTCH = """
aan al alle alles als alsof altijd andere ben bij daar daarna dan dat de der deze die dit doch doen door dus
een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je jij
jou jouw jullie kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat onder ons
onze ook op over reeds te tegen toch toen tot u uit uw van veel voor want waren was wat we wel werd wezen wie wij
wil worden wordt zal ze zelf zich zij zijn zo zonder zou
"""

_FRENCH = """
a ai aie aient aies ait alors as au aucun aussi autre aux avec avoir avons ayant c ca ce ceci cela celle celles
celui ces cet cette ceux chaque chez comme d dans de des du elle elles en encore est et etaient etait ete etre eu
eux il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne ni nos notre nous on ont ou par pas
peu plus pour qu quand que quel quelle quelles quels qui s sa sans se ses si son sont sous sur t ta te tes toi
ton tous tout toute toutes tres tu un une vos votre vous y
"""

_ENGLISH = """
a about after all also an and any are as at be been before being but by can could did do does doing down during
each few for from further had has have having he her here hers him his how i if in into is it its itself just me
more most my no nor not now of off on once only or other our ours out over own same she should so some such than
that the their theirs them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours
"""

#: Stop words per supported language, accent-folded and lower case.
STOP_WORDS: Final[dict[str, frozenset[str]]] = {
    "nl": frozenset(_DUTCH.split()),
    "fr": frozenset(_FRENCH.split()),
    "en": frozenset(_ENGLISH.split()),
}
