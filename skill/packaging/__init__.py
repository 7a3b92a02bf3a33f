"""Builders: the Alexa skill package and the Lambda zip."""
