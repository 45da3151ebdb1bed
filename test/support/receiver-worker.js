// Stand-in for a tenant's webhook receiver (the outside world), run as its own Worker.
// POST /hooks/<sink>            records the delivery, answers per the sink's program (default 200)
// POST /__program/<sink>        {"responses":[{"status":500,"headers":{},"delayMs":0}, ...]} queued answers
// GET  /__deliveries/<sink>     every delivery recorded for the sink, in arrival order (answeredAt
//                               stays null while a programmed delay holds the answer)
const deliveries = new Map();
const programs = new Map();
const calendars = new Map();

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const [, kind, sink] = url.pathname.split("/");
    if (kind === "__program" && request.method === "POST") {
      const { responses } = await request.json();
      programs.set(sink, [...responses]);
      return Response.json({ ok: true });
    }
    // POST /__calendar/<name> stores an iCalendar feed; GET /calendars/<name> serves it.
    if (kind === "__calendar" && request.method === "POST") {
      calendars.set(sink, await request.text());
      return Response.json({ ok: true });
    }
    if (kind === "calendars" && calendars.has(sink)) {
      return new Response(calendars.get(sink), { headers: { "content-type": "text/calendar" } });
    }
    if (kind === "__deliveries") {
      return Response.json(deliveries.get(sink) ?? []);
    }
    if (kind === "hooks" && request.method === "POST") {
      const body = await request.text();
      const list = deliveries.get(sink) ?? [];
      const entry = {
        receivedAt: Date.now(),
        answeredAt: null,
        headers: Object.fromEntries(request.headers),
        body,
      };
      list.push(entry);
      deliveries.set(sink, list);
      const next = programs.get(sink)?.shift() ?? { status: 200 };
      if (next.delayMs) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
      entry.answeredAt = Date.now();
      return new Response(next.body ?? "ok", { status: next.status, headers: next.headers ?? {} });
    }
    return new Response(`receiver: nothing at ${request.method} ${url.pathname}`, { status: 404 });
  },
};
