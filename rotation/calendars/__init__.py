"""Calendars for officers and postings. Imports point one way, from the top of this list down:

- ``server``: the feed server (the only module importing starlette and uvicorn);
- ``feeds``: publishing a stored plan's calendars with their update history, subscription tokens;
- ``ics``: rendering events as iCalendar bytes (the only module importing icalendar);
- ``events``: what goes into each calendar, as plain values, and the event UIDs.
"""
