using ScottPlot;

namespace Rcnn.Training.Visualization;

/// <summary>Line charts written as PNG (ScottPlot 5), e.g. the training loss curve or precision-recall curves.</summary>
public static class LinePlot
{
    /// <summary>
    /// Draws each series as a line (no markers), with a legend when any series has a label, and writes a PNG.
    /// Axis limits are automatic unless given.
    /// </summary>
    public static void SavePng(string path, string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series,
        int width = 800, int height = 600, (double Min, double Max)? xLimits = null, (double Min, double Max)? yLimits = null,
        Alignment legendAlignment = Alignment.UpperRight)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("There is no series to plot.", nameof(series));
        if (width < 16 || height < 16) throw new ArgumentException($"Image size {width}x{height} is too small.", nameof(width));
        foreach (var s in series) Validate(s, nameof(series));

        using var plot = new Plot();
        foreach (var s in series)
        {
            var line = plot.Add.Scatter(s.X.ToArray(), s.Y.ToArray());
            line.MarkerSize = 0;
            line.LineWidth = 2;
            if (!string.IsNullOrEmpty(s.Label)) line.LegendText = s.Label;
        }
        plot.Title(title ?? "");
        plot.XLabel(xLabel ?? "");
        plot.YLabel(yLabel ?? "");
        if (series.Any(s => !string.IsNullOrEmpty(s.Label))) plot.ShowLegend(legendAlignment);
        plot.Axes.AutoScale();
        if (xLimits is { } xl) plot.Axes.SetLimitsX(xl.Min, xl.Max);
        if (yLimits is { } yl) plot.Axes.SetLimitsY(yl.Min, yl.Max);

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        plot.SavePng(path, width, height);
    }

    private static void Validate(LineSeries s, string paramName)
    {
        if (s is null || s.X is null || s.Y is null) throw new ArgumentException("A series or its data is null.", paramName);
        if (s.X.Count != s.Y.Count)
            throw new ArgumentException($"Series '{s.Label}' has {s.X.Count} x values but {s.Y.Count} y values.", paramName);
        if (s.X.Count == 0) throw new ArgumentException($"Series '{s.Label}' is empty.", paramName);
        for (int i = 0; i < s.X.Count; i++)
            if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i]))
                throw new ArgumentException($"Series '{s.Label}' has a non-finite point ({s.X[i]}, {s.Y[i]}) at index {i}.", paramName);
    }
}
