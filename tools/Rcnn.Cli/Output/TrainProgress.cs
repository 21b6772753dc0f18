using System.Globalization;
using Rcnn.Training.Engine;
using Spectre.Console;

namespace Rcnn.Cli.Output;

/// <summary>
/// Live training progress: on a terminal a Spectre progress bar (iterations, ETA, smoothed losses, last AP50 when an
/// evaluation ran); elsewhere (redirected output, tests) the engine's own progress lines.
/// </summary>
public sealed class TrainProgress(CliContext ctx, DefaultTrainer trainer)
{
    private ProgressTask? task;

    public bool Run(int start, int maxIter, Func<bool> train)
    {
        if (!ctx.Console.Profile.Capabilities.Interactive) return train();
        bool result = false;
        ctx.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(p =>
            {
                task = p.AddTask("training", maxValue: maxIter);
                task.Value = start;
                result = train();
                task.Value = task.MaxValue;
            });
        task = null;
        return result;
    }

    /// <summary>The schedule now ends at <paramref name="maxIter"/>.</summary>
    public void Rescheduled(int maxIter)
    {
        if (task is not null) task.MaxValue = maxIter;
    }

    public void Log(string line)
    {
        if (task is null)
        {
            ctx.Line(line);
            return;
        }
        if (!line.StartsWith("eta:", StringComparison.Ordinal))
        {
            ctx.Line(line);
            return;
        }
        var t = trainer.Trainer;
        if (t is null) return;
        task.Value = t.Iteration + 1;
        var s = t.Storage;
        string ap = s.Latest.TryGetValue("bbox/AP50", out double ap50) ? string.Create(CultureInfo.InvariantCulture, $"  AP50 {ap50:F1}") : "";
        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"iter {t.Iteration + 1}/{t.MaxIteration}  loss {s.Median("total_loss"):F3}  cls {s.Median("loss_cls"):F3}  box {s.Median("loss_box_reg"):F3}  rpn {s.Median("loss_rpn_cls"):F3}{ap}"));
    }
}
