using System.Globalization;
using Microsoft.ML;
using Rcnn.MLNet.AutoConfig;
using Rcnn.Cli.Datasets;
using Rcnn.MLNet.AutoML;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Spectre.Console;

namespace Rcnn.Cli.Commands;

/// <summary>
/// <c>rcnn experiment</c>: centres the search space on the config <c>rcnn train</c> would pick for the budget
/// (<see cref="ExperimentSpace"/>), plans the trials from the measured speed (<see cref="ExperimentPlan"/>), runs the
/// experiment (trials compared after equal training time) and prints a leaderboard.
/// </summary>
public sealed class ExperimentRun(ExperimentOptions o, CliContext ctx)
{
    public const string TrainName = "train";
    public const string ValidationName = "validation";
    public const string BestModelFile = "best_model.mlnet";

    public DetectionExperimentResult? Result { get; private set; }

    public int Run()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var catalog = Register(out var classes);
        string output = Path.GetFullPath(o.Output);
        Directory.CreateDirectory(output);
        var stats = DatasetStatistics.From(catalog.GetRecords(TrainName), classes.Count);
        // The shape `rcnn train` would pick for the whole budget: the search is centred on it.
        bool pretrained = AutoConfigPicker.PretrainedAvailable(out string where);
        if (!pretrained) ctx.Line($"warning: no pretrained trials: {where}");
        var choice = AutoConfigPicker.PickShape(stats, o.Budget, pretrained);
        var cfg = AutoConfigPicker.BuildConfig(choice);
        cfg.Datasets.Train.Clear();
        cfg.Datasets.Train.Add(TrainName);
        ctx.Line("Measuring training speed of the central configuration...");
        double itPerSec = ThroughputProbe.Measure(cfg, catalog, Path.Combine(output, ".probe"), o.NumThreads).IterationsPerSecond;
        var plan = ExperimentPlan.For((o.Budget - clock.Elapsed).TotalSeconds, itPerSec, o.MaxTrials, o.Tuner == "random", o.Budget);
        var space = ExperimentSpace.For(choice, stats, cfg, plan, pretrained);
        ctx.Line(string.Create(CultureInfo.InvariantCulture, $"{itPerSec:F2} it/s at R-{choice.BackboneDepth} FPN {choice.FpnChannels}, {choice.ShortSide} px. {plan.Description}"));
        ctx.Line($"Search space: trunk [{string.Join(", ", space.Pretrained.Select(p => p ? $"pretrained, FREEZE_AT {string.Join("/", space.FreezeAt)}" : "scratch"))}], " +
            $"depth [{string.Join(", ", space.BackboneDepths)}], LR {space.MinBaseLearningRate}..{space.MaxBaseLearningRate} (log; pretrained {space.LearningRates(true).Min}..{space.LearningRates(true).Max}), " +
            $"size [{string.Join(", ", space.ImageSizes)}], anchors {string.Join(" | ", space.AnchorSizeSets.Select(a => string.Join(",", a)))}, ROI [{string.Join(", ", space.RoiBatchSizesPerImage)}], FPN width [{string.Join(", ", space.FpnChannels)}].");

        var left = o.Budget - clock.Elapsed;
        if (left <= TimeSpan.FromSeconds(1)) throw new CliUsageException($"--time-budget {TimeBudget.Format(o.Budget)} was used up by the speed measurement; give more time.");
        var experiment = new MLContext(o.Seed).DetectionExperiment()
            .SetDataset(catalog, TrainName, ValidationName)
            .SetBaseConfig(cfg)
            .SetSearchSpace(space)
            .SetSeed(o.Seed)
            .SetTrainingTimeInSeconds((uint)Math.Ceiling(left.TotalSeconds))
            .SetMaxTrials(o.MaxTrials)
            .SetOutputDirectory(output)
            .SetNumThreads(o.NumThreads)
            .SetMonitor(new ConsoleMonitor(ctx))
            // Progress (iteration, ETA, losses) and the trials' schedule fits; the engine's other lines would bury the trial reports.
            .SetLog(line => { if (line.StartsWith("eta:", StringComparison.Ordinal) || line.StartsWith("Trial ", StringComparison.Ordinal)) ctx.Line("  " + line); });
        if (o.Tuner == "random") experiment.SetRandomSearchTuner();
        // Equal time, not equal iterations, at the checkpoint: the budget is time, so a faster configuration's extra
        // iterations count in its favour.
        else experiment.SetSuccessiveHalvingTuner([plan.CheckpointFraction], plan.StopFraction, plan.TrialsPerBracket, fillBudget: true, equalTime: true,
            incumbentMargin: ExperimentPlan.IncumbentMargin);
        Result = experiment.RunAsync(ctx.Stop).GetAwaiter().GetResult();
        // Each trial's folder is then a model folder that rcnn eval, predict and export open.
        foreach (var trial in Result.Trials)
            if (Path.GetDirectoryName(trial.CheckpointPath) is { } dir && Directory.Exists(dir)) ModelDirectory.WriteClasses(dir, classes);
        ctx.Console.Write(Leaderboard(Result));
        if (Result.BestTrial is { } best)
        {
            ctx.Line(string.Create(CultureInfo.InvariantCulture,
                $"Best: trial {best.TrialId} ({best.Parameters}) validation MAP50 {best.MAP50 * 100:F1}, MAP50_95 {best.MAP50_95 * 100:F1}; checkpoint {best.CheckpointPath}"));
            if (!Result.Cancelled)
            {
                var ml = new MLContext(o.Seed);
                string zip = Path.Combine(output, BestModelFile);
                var bestModel = Result.BestTransformer(ml)!;
                ml.Model.Save(bestModel, null, zip);
                (bestModel as IDisposable)?.Dispose();   // deletes ONNX Runtime's temporary copy of the model
                ctx.Line($"Best model as an ML.NET model zip: {zip}");
            }
        }
        ctx.Line($"{Result.Trials.Count} trials in {Result.Duration.TotalMinutes:F1} min; leaderboard in {Path.Combine(output, DetectionExperiment.SummaryFile)}.");
        return Result.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>The seed that draws held-out validation images.</summary>
    public const int ValidationSeed = 42;

    /// <summary>
    /// "train" and "validation": with --validation-dataset, the --dataset's training split and that data; else a VOC
    /// root's train and val splits when it has both; else the training split less images held out of it
    /// (<see cref="HoldOut"/>). Trials are never scored on test data.
    /// </summary>
    private DatasetCatalog Register(out IReadOnlyList<string> classes)
    {
        const string trainSplit = "train_split", validationSplit = "validation_split";
        var train = DatasetLocation.Resolve(o.Dataset, o.Images, "--dataset");
        var catalog = new DatasetCatalog(DatasetLog.FromAction(ctx.Line));
        var splits = train.VocSplits();
        if (train.Kind == DatasetKind.CocoJson) catalog.RegisterCocoJson(trainSplit, train.Path, train.ImageRoot!);
        else
        {
            string split = splits.Contains("train") ? "train" : splits.Contains("trainval") ? "trainval"
                : throw new CliUsageException($"--dataset: Pascal VOC root '{train.Path}' has no train or trainval split.");
            catalog.RegisterPascalVoc(trainSplit, train.Path, split);
        }
        classes = catalog.GetMetadata(trainSplit).ThingClasses;
        string? source = null;
        if (o.ValidationDataset is not null)
        {
            var v = DatasetLocation.Resolve(o.ValidationDataset, o.ValidationImages, "--validation-dataset");
            if (v.Kind == DatasetKind.CocoJson)
            {
                catalog.RegisterCocoJson(validationSplit, v.Path, v.ImageRoot!);
                if (!catalog.GetMetadata(validationSplit).ThingClasses.SequenceEqual(classes))
                    throw new CliUsageException($"--validation-dataset has classes [{string.Join(", ", catalog.GetMetadata(validationSplit).ThingClasses)}], the training data [{string.Join(", ", classes)}].");
            }
            else
            {
                var vs = v.VocSplits();
                string split = vs.Contains("val") ? "val" : vs.Contains("test") ? "test"
                    : throw new CliUsageException($"--validation-dataset: Pascal VOC root '{v.Path}' has no val or test split.");
                catalog.RegisterPascalVoc(validationSplit, v.Path, split, classes);
            }
            source = validationSplit;
        }
        else if (train.Kind == DatasetKind.PascalVoc && splits.Contains("val") && splits.Contains("train"))
        {
            catalog.RegisterPascalVoc(validationSplit, train.Path, "val", classes);
            source = validationSplit;
        }
        string how = HoldOut.Register(catalog, trainSplit, source, TrainName, ValidationName, ValidationSeed);
        if (catalog.GetRecords(ValidationName).Count == 0)
            throw new CliUsageException($"The experiment has nothing to score trials on: {how}; give a --validation-dataset.");
        ctx.Line($"Trials are scored on validation data, never on test data: {how}.");
        return catalog;
    }

    public static Table Leaderboard(DetectionExperimentResult r)
    {
        var table = new Table().Title("Leaderboard (validation)").Border(TableBorder.Rounded);
        foreach (var c in new[] { "rank", "trial", "parameters", "MAP50", "MAP50_95", "iterations", "duration", "peak MB", "early stop" })
            table.AddColumn(c);
        int rank = 1;
        foreach (var t in r.Trials.OrderByDescending(t => t.MAP50).ThenByDescending(t => t.MAP50_95))
            table.AddRow(Markup.Escape((rank++).ToString(CultureInfo.InvariantCulture)), t.TrialId.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(t.Parameters.ToString()), (t.MAP50 * 100).ToString("F1", CultureInfo.InvariantCulture),
                (t.MAP50_95 * 100).ToString("F1", CultureInfo.InvariantCulture), t.IterationsDone.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(TimeBudget.Format(TimeSpan.FromMilliseconds(t.DurationInMilliseconds))),
                t.PeakMemoryInMegaByte?.ToString("F0", CultureInfo.InvariantCulture) ?? "-", Markup.Escape(t.StopReason ?? ""));
        return table;
    }

    private sealed class ConsoleMonitor(CliContext ctx) : IDetectionMonitor
    {
        public void ReportRunningTrial(DetectionTrialSettings settings) => ctx.Line($"Trial {settings.TrialId}: {settings.Parameters}");

        public void ReportCompletedTrial(DetectionTrialResult result) => ctx.Line(string.Create(CultureInfo.InvariantCulture,
            $"Trial {result.TrialId}: MAP50 {result.MAP50 * 100:F1}, MAP50_95 {result.MAP50_95 * 100:F1} after {result.IterationsDone} iterations ({result.DurationInMilliseconds / 1000:F0} s){(result.StopReason is { } why ? $"; {why}" : ", finished")}."));

        public void ReportBestTrial(DetectionTrialResult result) => ctx.Line($"Trial {result.TrialId} is the best so far.");

        public void ReportFailTrial(DetectionTrialSettings settings, Exception? exception = null) =>
            ctx.Line($"Trial {settings.TrialId} {(exception is OperationCanceledException ? "cancelled; its folder is removed" : $"failed: {exception?.Message}")}.");
    }
}
