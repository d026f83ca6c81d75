"""A table in every workspace schema, only under bench/settings.py: its migration 0002 is the timed change."""

from django.db import models


class Probe(models.Model):
    name = models.CharField(max_length=40)
    note = models.CharField(max_length=40, blank=True, default="")  # migration 0002

    def __str__(self) -> str:
        return self.name
