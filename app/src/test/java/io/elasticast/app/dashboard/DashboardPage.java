package io.elasticast.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the dashboard page shows, read from the browser's DOM by the hooks the page documents
 * (ids, classes, {@code data-*}): what a user sees, not what the server sent.
 */
public final class DashboardPage {

  private DashboardPage() {}

  /** A script for {@link HeadlessChromium#script}: the page's state as one JSON object. */
  public static final String READ = """
      const text = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };
      const visible = (e) => !!e && e.getClientRects().length > 0;
      return {
        snapshots: Number(document.body.dataset.snapshots || 0),
        conn: document.getElementById('conn').dataset.state,
        errors: window.dashboardErrors || ['page script did not run'],
        feeds: [...document.querySelectorAll('#feeds .feed[data-feed]')].map((c) => ({
          feed: c.dataset.feed,
          visible: visible(c),
          alert: c.dataset.alert,
          title: c.querySelector('.feed-id').textContent,
          top: [...c.querySelectorAll('.top .top-label')].map((r) => ({
            label: r.dataset.label, score: Number(r.dataset.score),
            name: r.querySelector('.name').textContent,
            barWidthPx: r.querySelector('.bar .fill').getBoundingClientRect().width,
            trackWidthPx: r.querySelector('.bar').getBoundingClientRect().width })),
          levelDbfs: c.querySelector('.level').dataset.levelDbfs,
          levelText: c.querySelector('.level-value').textContent,
          levelWidthPx: c.querySelector('.level-fill').getBoundingClientRect().width,
          strip: [...c.querySelectorAll('.strip .chip')].map((x) => x.dataset.label),
          badges: [...c.querySelectorAll('.feed-incidents .badge')].map((b) => b.textContent) })),
        incidents: [...document.querySelectorAll('#incident-rows tr[data-incident]')].map((r) => ({
          incident: r.dataset.incident, open: r.dataset.open === 'true', state: r.dataset.state,
          feed: r.dataset.feed, label: r.dataset.label, visible: visible(r),
          cells: [...r.children].map((td) => td.textContent) })),
        noIncidentsShown: visible(document.getElementById('no-incidents')),
        figures: {
          windowsPerSecond: text('fig-windows-per-second'), latencyP50: text('fig-latency-p50'),
          latencyP99: text('fig-latency-p99'), packDensity: text('fig-pack-density'), lag: text('fig-lag'),
          deadLetters: text('fig-dead-letters'), incidentsOpen: text('fig-incidents-open'),
          alertLatency: text('fig-alert-latency'), events: text('fig-events') }
      };
      """;

  /** A short description for assertion messages. */
  public static String describe(JsonNode page) {
    StringBuilder b = new StringBuilder();
    b.append("snapshots=").append(page.path("snapshots")).append(" conn=").append(page.path("conn").asText())
        .append(" errors=").append(page.path("errors")).append('\n');
    for (JsonNode f : page.path("feeds")) {
      b.append("  feed ").append(f.path("feed").asText()).append(": top=");
      f.path("top").forEach(t -> b.append(t.path("label").asText()).append(' ').append(t.path("score")).append(' '));
      b.append("level=").append(f.path("levelText").asText()).append(" strip=").append(f.path("strip").size())
          .append(" badges=").append(f.path("badges")).append('\n');
    }
    for (JsonNode i : page.path("incidents")) {
      b.append("  incident ").append(i.path("incident").asText()).append(" open=").append(i.path("open"))
          .append(' ').append(i.path("cells")).append('\n');
    }
    b.append("  figures ").append(page.path("figures"));
    return b.toString();
  }
}
