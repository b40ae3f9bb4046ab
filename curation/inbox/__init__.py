"""The curation inbox: sources curators register, the candidates they bring in, and what became of each.

models      CandidateSource, Candidate (imported by curation.models, so Django sees them)
entries     Entry: one candidate as any source reads it, before it is recorded
canonical   the one address a candidate is known by (deduplication, against the catalogue too)
services    record_candidates (and the inbox's other writes)
"""
