"""A member's archive of everything they have, as one ZIP (issue 13, "Take it with you").

``contents.py`` lists what goes in and where; ``build.py`` writes it page by
page so memory stays flat however large the account; ``jobs.py`` is the
asking, the background building and the keeping of archives.
"""
