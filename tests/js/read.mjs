// Read .ics files with two independent JavaScript parsers and print what each understood as JSON.
//
// Usage: node read.mjs FILE...   ->   {"FILE": {"ical.js": {...}, "node-ical": {...}}, ...}
//
// ical.js is the parser Thunderbird uses; node-ical is a separate implementation (its own line
// reader and time zone handling). Both are asked the same questions so the Python tests can
// compare their answers with each other and with the plan: each calendar's properties, and per
// event its UID, SEQUENCE, STATUS, text, and start/end either as a calendar date ("YYYY-MM-DD",
// read in the process's own time zone, which the tests vary) or as an instant in UTC.
// A parser that throws is reported as {"error": message}, never as a crash of the script.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import nodeIcal from "node-ical";

// ical.js reads properties it has no definition for as raw, still-escaped text. NAME (RFC 7986)
// and X-WR-CALNAME are TEXT; a client that shows them declares them so, and so does this reader.
for (const name of ["name", "x-wr-calname"]) {
  ICAL.design.icalendar.property[name] = { defaultType: "text" };
}

const pad = (n, width = 2) => String(n).padStart(width, "0");
const ymd = (y, m, d) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

function icaljsTime(t) {
  if (t === null || t === undefined) return null;
  if (t.isDate) return { date: ymd(t.year, t.month, t.day) };
  return { instant: t.toJSDate().toISOString(), tzid: t.zone ? t.zone.tzid : null };
}

function withIcaljs(text) {
  ICAL.TimezoneService.reset();
  const cal = new ICAL.Component(ICAL.parse(text));
  // A calendar brings its own VTIMEZONEs; registering them is what makes TZID resolvable, so a
  // wrong or missing VTIMEZONE shows up as a wrong instant.
  for (const vtz of cal.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  const prop = (comp, name) => {
    const value = comp.getFirstPropertyValue(name);
    return value === null || value === undefined ? null : String(value);
  };
  const events = cal.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const stamp = vevent.getFirstPropertyValue("dtstamp");
    const modified = vevent.getFirstPropertyValue("last-modified");
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: prop(vevent, "status"),
      summary: event.summary,
      description: event.description,
      location: event.location,
      start: icaljsTime(event.startDate),
      end: icaljsTime(event.endDate),
      dtstamp: stamp ? stamp.toJSDate().toISOString() : null,
      last_modified: modified ? modified.toJSDate().toISOString() : null,
    };
  });
  return {
    calendar: {
      prodid: prop(cal, "prodid"),
      version: prop(cal, "version"),
      name: prop(cal, "name"),
      "x-wr-calname": prop(cal, "x-wr-calname"),
      uid: prop(cal, "uid"),
      timezones: cal.getAllSubcomponents("vtimezone").map((z) => prop(z, "tzid")),
    },
    events,
  };
}

const text = (value) => {
  if (value === undefined || value === null) return null;
  if (typeof value === "object" && "val" in value) return String(value.val);
  return String(value);
};

function nodeIcalTime(value) {
  if (!value) return null;
  if (value.dateOnly) {
    // node-ical builds a local-midnight Date for a DATE value; the calendar day is what the
    // process's clock shows for it, which is exactly what an all-day event must keep.
    return { date: ymd(value.getFullYear(), value.getMonth() + 1, value.getDate()) };
  }
  return { instant: value.toISOString(), tzid: value.tz || null };
}

function withNodeIcal(source) {
  const data = nodeIcal.sync.parseICS(source);
  const vcal = data.vcalendar || {};
  const events = Object.values(data)
    .filter((item) => item && item.type === "VEVENT")
    .map((item) => ({
      uid: text(item.uid),
      sequence: item.sequence === undefined ? null : Number(item.sequence),
      status: text(item.status),
      summary: text(item.summary),
      description: text(item.description),
      location: text(item.location),
      start: nodeIcalTime(item.start),
      end: nodeIcalTime(item.end),
      dtstamp: item.dtstamp ? item.dtstamp.toISOString() : null,
      last_modified: item.lastmodified ? item.lastmodified.toISOString() : null,
    }));
  return {
    calendar: {
      prodid: text(vcal.prodid),
      version: text(vcal.version),
      name: text(vcal.name),
      "x-wr-calname": text(vcal["WR-CALNAME"]),
      uid: text(vcal.uid),
    },
    events,
  };
}

function attempt(read, source) {
  try {
    return read(source);
  } catch (error) {
    return { error: String(error && error.stack ? error.stack.split("\n")[0] : error) };
  }
}

const out = {};
for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, "utf8");
  out[file] = { "ical.js": attempt(withIcaljs, source), "node-ical": attempt(withNodeIcal, source) };
}
process.stdout.write(JSON.stringify(out));
