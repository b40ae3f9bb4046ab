"""The curation inbox: sources curators register, the candidates they bring in, and what became of each.

models      CandidateSource, Candidate (imported by curation.models, so Django sees them)
entries     Entry: one candidate as any source reads it, before it is recorded
canonical   the one address a candidate is known by (deduplication, against the catalogue too)
services    record_candidates (and the inbox's other writes)
suggestions what a candidate probably is (topic, format, stage), by rules, with the reasons
fetching    the polite HTTP client that fetches feeds (limits, conditional GET, one request per site)
parsing     feedparser on the fetched bytes: entries, and what was left out
polling     poll_source (fetch, parse, record, note how it went) and beat's plan of due sources
demo        the sample feed `make demo` loads into the inbox
"""
