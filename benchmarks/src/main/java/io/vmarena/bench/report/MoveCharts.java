package io.vmarena.bench.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The report's PNG charts, drawn by XChart. */
final class MoveCharts {
    private MoveCharts() {
    }

    /**
     * One log-log line chart.
     *
     * @param series name to {x values, y values}, in the order they should appear
     */
    static void save(final Path file, final String title, final String xTitle, final String yTitle,
        final Map<String, double[][]> series, final boolean logY) throws IOException {
        final XYChart chart = new XYChartBuilder().width(960).height(560).title(title).xAxisTitle(xTitle)
            .yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(7);
        for (final Map.Entry<String, double[][]> entry : series.entrySet()) {
            if (entry.getValue()[0].length > 0) {
                chart.addSeries(entry.getKey(), entry.getValue()[0], entry.getValue()[1])
                    .setMarker(SeriesMarkers.CIRCLE);
            }
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** x and y arrays of a list of points. */
    static double[][] points(final List<double[]> points) {
        final double[][] xy = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            xy[0][i] = points.get(i)[0];
            xy[1][i] = points.get(i)[1];
        }
        return xy;
    }
}
