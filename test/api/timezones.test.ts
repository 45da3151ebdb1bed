import { describe, expect, it } from "vitest";
import { call, createTenant } from "../support/api";

describe("timezones and holidays", () => {
  it("lists canonical zone names and accepts aliases as input", async () => {
    const t = await createTenant();
    const list = await call<{ timezones: string[] }>("GET", "/v1/timezones", { key: t.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.timezones).toContain("Europe/Berlin");
    expect(list.body.timezones).toContain("Asia/Kolkata");
    expect(list.body.timezones).not.toContain("Asia/Calcutta");
    const alias = await call<{ timezone: string }>("GET", "/v1/timezones/info?tz=Asia/Calcutta", {
      key: t.apiKey,
    });
    expect(alias.body.timezone).toBe("Asia/Kolkata");
    // Every listed name is its own canonical form and a zone the service accepts.
    for (const name of ["America/Argentina/Buenos_Aires", "Europe/Kyiv", "Pacific/Kanton", "UTC"]) {
      expect(list.body.timezones).toContain(name);
    }
  });

  it("info: offset, P8 isDST and the next transition", async () => {
    const t = await createTenant();
    const info = await call("GET", "/v1/timezones/info?tz=America/New_York&at=2027-03-01T12:00:00Z", {
      key: t.apiKey,
    });
    expect(info.body).toEqual({
      timezone: "America/New_York",
      offsetMinutes: -300,
      utcOffset: "-05:00",
      isDST: false,
      abbreviation: "EST",
      nextTransition: { at: "2027-03-14T07:00:00.000Z", offsetBeforeMinutes: -300, offsetAfterMinutes: -240 },
    });
    const kathmandu = await call("GET", "/v1/timezones/info?tz=Asia/Kathmandu&at=2027-01-01T00:00:00Z", {
      key: t.apiKey,
    });
    expect(kathmandu.body).toMatchObject({ utcOffset: "+05:45", isDST: false, nextTransition: null });
    const bad = await call<{ errors: { path: string }[] }>("GET", "/v1/timezones/info?tz=Mars/Olympus", {
      key: t.apiKey,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]!.path).toBe("query.tz");
  });

  it("transitions of a year, with isDST after each", async () => {
    const t = await createTenant();
    const res = await call("GET", "/v1/timezones/transitions?tz=Australia/Lord_Howe&year=2027", {
      key: t.apiKey,
    });
    expect(res.body).toEqual({
      transitions: [
        {
          at: "2027-04-03T15:00:00.000Z",
          offsetBeforeMinutes: 660,
          offsetAfterMinutes: 630,
          isDSTAfter: false,
        },
        {
          at: "2027-10-02T15:30:00.000Z",
          offsetBeforeMinutes: 630,
          offsetAfterMinutes: 660,
          isDSTAfter: true,
        },
      ],
    });
  });

  it("convert resolves gaps and overlaps per P1 and says so", async () => {
    const t = await createTenant();
    const gap = await call("POST", "/v1/timezones/convert", {
      key: t.apiKey,
      body: { dateTime: "2027-03-14T02:30:00", from: "America/New_York", to: "Europe/London" },
    });
    expect(gap.body).toEqual({
      utc: "2027-03-14T07:00:00.000Z",
      local: "2027-03-14T07:00:00.000+00:00",
      offsetMinutes: 0,
      adjusted: true,
      ambiguous: false,
    });
    const overlap = await call("POST", "/v1/timezones/convert", {
      key: t.apiKey,
      body: { dateTime: "2027-11-07T01:30:00", from: "America/New_York", to: "UTC" },
    });
    expect(overlap.body).toMatchObject({ utc: "2027-11-07T05:30:00.000Z", ambiguous: true, adjusted: false });
    const missingFrom = await call<{ errors: { path: string }[] }>("POST", "/v1/timezones/convert", {
      key: t.apiKey,
      body: { dateTime: "2027-03-14T02:30:00", to: "UTC" },
    });
    expect(missingFrom.status).toBe(400);
    expect(missingFrom.body.errors[0]!.path).toBe("from");
  });

  it("business hours skip weekends and holidays", async () => {
    const t = await createTenant();
    // Friday 24 Dec 2027, 18:00 in Berlin: closed; Dec 24 (bank), 25, 26 are holidays, Mon 27 opens.
    const res = await call("POST", "/v1/timezones/business-hours", {
      key: t.apiKey,
      body: { at: "2027-12-23T17:00:00Z", timezone: "Europe/Berlin", holidayCountry: "DE" },
    });
    expect(res.body).toEqual({ isBusinessHours: false, nextBusinessHour: "2027-12-27T08:00:00.000Z" });
    const open = await call("POST", "/v1/timezones/business-hours", {
      key: t.apiKey,
      body: {
        at: "2027-06-07T13:00:00Z",
        timezone: "America/New_York",
        businessHours: { days: [1, 2, 3, 4, 5], start: "08:00", end: "12:00" },
      },
    });
    expect(open.body).toEqual({ isBusinessHours: true, nextBusinessHour: "2027-06-07T13:00:00.000Z" });
  });

  it("holidays of a country and of a region; unknown regions are a 400", async () => {
    const t = await createTenant();
    const de = await call<{ holidays: { date: string; name: string; type: string }[] }>(
      "GET",
      "/v1/holidays?country=DE&year=2027",
      { key: t.apiKey },
    );
    expect(de.body.holidays).toContainEqual({ date: "2027-10-03", name: "National Holiday", type: "public" });
    const bavaria = await call<{ holidays: { date: string }[] }>(
      "GET",
      "/v1/holidays?country=DE-BY&year=2027",
      {
        key: t.apiKey,
      },
    );
    expect(bavaria.body.holidays.length).toBeGreaterThan(de.body.holidays.length);
    const unknown = await call<{ errors: { path: string }[] }>("GET", "/v1/holidays?country=XX", {
      key: t.apiKey,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]!.path).toBe("query.country");
  });
});
