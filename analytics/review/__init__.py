"""The weekly review: its figures, the privacy rule they keep, charts, suggestions and decisions' outcomes."""
