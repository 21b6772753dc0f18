using Rcnn.Training.Visualization;

namespace Rcnn.Training.Engine;

/// <summary>Redraws <c>loss_curve.png</c> (every loss, smoothed with a running median) every
/// <paramref name="period"/> iterations and at the end, so a person can watch training without reading numbers.</summary>
public sealed class LossCurveHook(string pngPath, int period, int smoothingWindow = 20) : HookBase
{
    public override void AfterStep()
    {
        if ((Trainer.Iteration + 1) % period == 0) Draw();
    }

    public override void AfterTrain() => Draw();

    public void Draw()
    {
        var s = Trainer.Storage;
        var series = new List<LineSeries>();
        foreach (var name in s.Names.Where(n => n.Contains("loss")).OrderBy(n => n == "total_loss" ? "" : n))
        {
            var h = s.History(name);
            if (h.Count < 2) continue;
            var smoothed = new double[h.Count];
            for (int i = 0; i < h.Count; i++)
            {
                var window = h.Skip(Math.Max(0, i - smoothingWindow + 1)).Take(Math.Min(i + 1, smoothingWindow)).Select(v => v.Value).OrderBy(v => v).ToList();
                smoothed[i] = window[window.Count / 2];
            }
            series.Add(new LineSeries(name, h.Select(v => (double)v.Iteration).ToList(), smoothed));
        }
        if (series.Count == 0) return;
        LinePlot.SavePng(pngPath, "Training losses (running median)", "iteration", "loss", series);
    }
}
