using System.Globalization;
using System.Text.Json;

namespace Rcnn.Training.Engine;

/// <summary>
/// Every <paramref name="period"/> iterations (and at the end): one JSON line of this iteration's scalars appended to
/// <c>metrics.json</c> (detectron2's JSONWriter), and a console line with iteration, ETA, smoothed losses, time,
/// data time and LR (detectron2's CommonMetricPrinter).
/// </summary>
public sealed class MetricsWriterHook(string? jsonPath, int period, Action<string>? print) : HookBase
{
    private readonly Dictionary<string, int> written = new();

    public override void AfterStep()
    {
        int next = Trainer.Iteration + 1;
        if (next % period == 0 || next == Trainer.MaxIteration) Write();
    }

    public override void AfterTrain()
    {
        // Metrics recorded after the last line (e.g. by the final evaluation) land in one more line.
        if (jsonPath is null) return;
        var s = Trainer.Storage;
        var pending = s.Names.Where(n => s.History(n).Count > written.GetValueOrDefault(n)).ToDictionary(n => n, n => s.History(n)[^1].Value);
        if (pending.Count > 0) AppendJson(pending);
    }

    /// <summary>Median seconds per iteration times the iterations left, as h:mm:ss.</summary>
    public string Eta()
    {
        double perIter = Trainer.Storage.Median("time", 100);
        int left = Trainer.MaxIteration - Trainer.Iteration - 1;
        return double.IsNaN(perIter) ? "?" : TimeSpan.FromSeconds(perIter * left).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
    }

    private void Write()
    {
        var s = Trainer.Storage;
        if (jsonPath is not null) AppendJson(s.CurrentValues());
        if (print is null) return;
        var losses = s.Names.Where(n => n.Contains("loss")).OrderBy(n => n == "total_loss" ? "" : n)
            .Select(n => $"{n}: {s.Median(n):0.####}");
        print(string.Create(CultureInfo.InvariantCulture,
            $"eta: {Eta()}  iter: {Trainer.Iteration}  {string.Join("  ", losses)}  time: {s.Median("time"):0.####}  " +
            $"data_time: {s.Median("data_time"):0.####}  lr: {s.Latest.GetValueOrDefault("lr"):g4}  rss_mb: {s.Latest.GetValueOrDefault("rss_mb"):0}"));
    }

    private void AppendJson(Dictionary<string, double> values)
    {
        foreach (var n in Trainer.Storage.Names) written[n] = Trainer.Storage.History(n).Count;
        var line = new Dictionary<string, object> { ["iteration"] = Trainer.Storage.Iteration };
        foreach (var (k, v) in values) line[k] = double.IsFinite(v) ? v : v.ToString(CultureInfo.InvariantCulture);
        File.AppendAllText(jsonPath!, JsonSerializer.Serialize(line) + Environment.NewLine);
    }
}
