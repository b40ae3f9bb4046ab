"""Clients of the analytics sources we pull from: the only code here that talks to Google."""
