"""Conversational bill payment: one invoice store behind an Alexa skill, payment links and a biller API."""
