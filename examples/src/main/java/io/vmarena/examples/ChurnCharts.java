package io.vmarena.examples;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * cache-churn's two PNG charts, drawn by XChart: RSS above each child's baseline against the
 * operations done, with the live payload as a line (the same for every contender: one
 * operation sequence); and the get and put latency percentiles, side by side, on an axis of
 * nines, -log10(1 - percentile) (ticks at 0%, 90%, 99%, 99.9%, ...: a log percentile axis).
 */
final class ChurnCharts {
    private static final double MIB = 1 << 20;
    private static final int WIDTH = 960;
    private static final int HEIGHT = 560;
    /** More nines than any run here records (10^8 operations a kind). */
    private static final int MAX_NINES = 9;

    private ChurnCharts() {
    }

    static void rss(final Path file, final List<ChurnRun.Result> results, final String title) throws IOException {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("operations (millions; the same sequence for each)").yAxisTitle("MiB above baseline").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // inside, it hid a curve
        chart.getStyler().setMarkerSize(0);
        for (final ChurnRun.Result result : results) {
            final List<double[]> points = new ArrayList<>();
            for (final ChurnRun.Sample sample : result.samples()) {
                points.add(new double[] {operationsAt(result.progress(), sample.nanos()) / 1e6,
                    (sample.rssBytes() - result.baselineBytes()) / MIB});
            }
            add(chart, result.contender().label(), points);
        }
        final List<double[]> live = new ArrayList<>();
        for (final ChurnRun.Progress progress : results.get(0).progress()) {
            live.add(new double[] {progress.operationCount() / 1e6, progress.liveBytes() / MIB});
        }
        add(chart, "live bytes (keys + values)", live);
        chart.getSeriesMap().get("live bytes (keys + values)").setLineColor(Color.BLACK);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static void latency(final Path file, final List<ChurnRun.Result> results, final String title) throws IOException {
        final BufferedImage gets = BitmapEncoder.getBufferedImage(percentiles(results, true, "get: " + title));
        final BufferedImage puts = BitmapEncoder.getBufferedImage(percentiles(results, false, "put: " + title));
        final BufferedImage both = new BufferedImage(gets.getWidth() + puts.getWidth(), gets.getHeight(),
            BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = both.createGraphics();
        graphics.drawImage(gets, 0, 0, null);
        graphics.drawImage(puts, gets.getWidth(), 0, null);
        graphics.dispose();
        ImageIO.write(both, "png", file.toFile());
    }

    private static XYChart percentiles(final List<ChurnRun.Result> results, final boolean get, final String title) {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("percentile")
            .yAxisTitle("microseconds").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(0);
        // A callback formatter puts a tick at each whole number of nines (XChart steps it linearly).
        final Function<Double, String> percentile = nines -> nines < 0 || nines > MAX_NINES ? ""
            : String.format(Locale.ROOT, "%s%%", new BigDecimal(100 * (1 - Math.pow(10, -nines)))
                .round(new MathContext(8)).stripTrailingZeros().toPlainString());
        chart.setCustomXAxisTickLabelsFormatter(percentile);
        for (final ChurnRun.Result result : results) {
            add(chart, result.contender().label(), points(get ? result.gets() : result.puts()));
        }
        return chart;
    }

    /** (nines of p, microseconds) from the histogram's percentile iteration, up to its maximum. */
    private static List<double[]> points(final Histogram histogram) {
        final List<double[]> points = new ArrayList<>();
        final double lastLevel = 1 - 1.0 / Math.max(2, histogram.getTotalCount());
        for (final HistogramIterationValue value : histogram.percentiles(5)) {
            final double level = Math.min(value.getPercentileLevelIteratedTo() / 100, lastLevel);
            points.add(new double[] {-Math.log10(1 - level), value.getValueIteratedTo() / 1e3});
        }
        return points;
    }

    private static void add(final XYChart chart, final String name, final List<double[]> points) {
        if (points.isEmpty()) {
            return;
        }
        final double[] x = new double[points.size()];
        final double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = Math.max(points.get(i)[1], chart.getStyler().isYAxisLogarithmic() ? 1e-3 : -Double.MAX_VALUE);
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
    }

    /** The operations done at a time, by linear interpolation between the child's reports. */
    static double operationsAt(final List<ChurnRun.Progress> progress, final long nanos) {
        ChurnRun.Progress before = null;
        for (final ChurnRun.Progress report : progress) {
            if (report.nanos() >= nanos) {
                if (before == null) {
                    return 0;
                }
                final double share = (double)(nanos - before.nanos()) / (report.nanos() - before.nanos());
                return before.operationCount() + share * (report.operationCount() - before.operationCount());
            }
            before = report;
        }
        return before == null ? 0 : before.operationCount();
    }
}
