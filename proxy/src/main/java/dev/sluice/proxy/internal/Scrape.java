package dev.sluice.proxy.internal;

/**
 * What {@code GET /metrics} answers: the gateway's counters, admission's health, each deployment's circuit and
 * failures, the budgets, what requests took and used ({@link RequestMetrics}) and the process. Every family has its
 * {@code # HELP} and {@code # TYPE} lines. Thread-safe (stateless); called off the event loops.
 */
final class Scrape {
    private Scrape() {
    }

    static String text(GatewayContext context) {
        MetricsText m = new MetricsText(16 * 1024);
        context.metrics().render(m);
        m.family("sluice_admission_healthy", "gauge", "1 while admission reaches its counters (Redis in a cluster).")
                .sample("sluice_admission_healthy", "ok".equals(context.admission().health()) ? 1 : 0);
        RoutesReport.metrics(context.config(), context.clock().nanoTime(), m);
        BudgetMetrics.render(context.admission().budgets(), context.clock().wallMs(), m);
        Tracing t = context.tracing();
        m.family("sluice_trace_spans_total", "counter", "Spans of requests and attempts by what became of them: "
                + "exported to the OTLP collector, failed (refused or not answered in time), dropped (the export "
                + "queue was full). All 0 while traces are off.")
                .sample("sluice_trace_spans_total", t == null ? 0 : t.exported(), "result", "exported")
                .sample("sluice_trace_spans_total", t == null ? 0 : t.failed(), "result", "failed")
                .sample("sluice_trace_spans_total", t == null ? 0 : t.dropped(), "result", "dropped");
        context.metrics().requestMetrics().render(m);
        ProcessMetrics.render(m);
        return m.toString();
    }
}
