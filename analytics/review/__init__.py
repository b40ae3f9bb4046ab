"""The weekly review: the dashboard a curation team meets over, one page per ISO week.

A week's page is computed one way through (dashboard.weekly_review) and kept (cache.kept_review):

    weeks.py        ISO weeks, the days a week or a chart covers, the filters a page asks for
    figures.py      what each figure counts (engagement, people...) and the GROUP BY queries
    cells.py        a figure as it may be shown, through analytics.privacy's rule; tables of them
    headlines.py    the week at a glance
    traffic.py      campaign-driven against organic traffic
    preferences.py  shares of engagement by format, topic, channel and stage
    dropout.py      where viewers leave videos; completion across series
    durations.py    how long people stay, by item, format and channel
    items.py        the week's top and bottom items
    charts.py       presentation: sparklines and chart JSON
    voice.py        what employees told us: "useful?" votes, checks answered right, reasons for leaving
    suggestions.py  what the data suggests the team discuss (the shape meetings rely on, and the engine)
    freshness.py    how fresh each channel's figures are
    dashboard.py    the week's review assembled from the modules above
    cache.py        the writes: keeping a computed review, marking figures edited
"""
