"""Loopback fake of Twilio's REST API (filled in with the Twilio backend)."""
