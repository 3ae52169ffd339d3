package io.vmarena.examples;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A latency-by-percentile chart as HdrHistogram's plotter draws one: the x axis is
 * {@code log10(1 / (1 - percentile))}, labelled as the percentile (90%, 99%, 99.9%...), so every
 * "nine" of the tail gets the same width; the y axis is the latency in microseconds on a log
 * scale, since a tail spans orders of magnitude. One line per histogram, drawn by XChart as the
 * benchmark report draws its charts. (The x axis is linear over the logarithm, not XChart's log
 * axis, whose tick values a custom label cannot rely on: it labelled 0 and 100% only.)
 */
final class LatencyChart {
    /** Points per halving of the distance to 100%, as HdrHistogram's percentile output uses. */
    private static final int TICKS_PER_HALF_DISTANCE = 5;

    private LatencyChart() {
    }

    /**
     * @param histograms label to a histogram of nanoseconds, in the legend's order
     */
    static void save(final Path file, final String title, final Map<String, Histogram> histograms) throws IOException {
        final XYChart chart = new XYChartBuilder().width(1000).height(600).title(title)
            .xAxisTitle("percentile").yAxisTitle("latency (us)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(Math.ceil(Math.log10(Math.max(10, histograms.values().stream()
            .mapToLong(Histogram::getTotalCount).max().orElse(10)))));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(4);
        chart.setCustomXAxisTickLabelsFormatter(LatencyChart::percentileLabel);
        for (final Map.Entry<String, Histogram> entry : histograms.entrySet()) {
            final double[][] xy = points(entry.getValue());
            if (xy[0].length > 0) {
                chart.addSeries(entry.getKey(), xy[0], xy[1]).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** {@code log10(1 / (1 - p))} against microseconds; the maximum at the last value's place, {@code 1 - 1/count}. */
    static double[][] points(final Histogram histogram) {
        final List<double[]> points = new ArrayList<>();
        final long count = histogram.getTotalCount();
        if (count > 0) {
            for (final HistogramIterationValue value : histogram.percentiles(TICKS_PER_HALF_DISTANCE)) {
                final double fraction = value.getPercentileLevelIteratedTo() / 100;
                if (fraction >= 1 - 1.0 / count) {
                    break;
                }
                points.add(new double[] {-Math.log10(1 - fraction), micros(value.getValueIteratedTo())});
            }
            points.add(new double[] {Math.log10(count), micros(histogram.getMaxValue())});
        }
        final double[][] xy = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            xy[0][i] = points.get(i)[0];
            xy[1][i] = points.get(i)[1];
        }
        return xy;
    }

    /** 0 as 0%, 1 as 90%, 3 as 99.9%: the percentile at which {@code log10(1 / (1 - p))} is {@code x}. */
    static String percentileLabel(final double x) {
        final double percent = 100 * (1 - Math.pow(10, -x));
        return String.format(Locale.ROOT, "%." + Math.max(0, (int)Math.ceil(x - 1e-9) - 2) + "f%%", percent);
    }

    private static double micros(final long nanos) {
        return Math.max(nanos, 1) / 1000.0;
    }
}
