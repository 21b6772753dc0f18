using System.Diagnostics;
using System.Globalization;
using Rcnn.Cli.AutoConfig;
using Rcnn.Cli.Codegen;
using Rcnn.Cli.Datasets;
using Rcnn.Cli.Output;
using Rcnn.Onnx;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Solver;
using Spectre.Console;

namespace Rcnn.Cli.Commands;

/// <summary>
/// <c>rcnn train</c>: dataset(s) in, trained and evaluated model out. Registers the data, resolves the config (given,
/// resumed, or picked from the data and budget), trains within the wall-clock budget (a budget stop checkpoints the last
/// iteration), evaluates on the test data, and writes the output folder's artefacts and a summary table.
/// </summary>
public sealed class TrainRun(TrainOptions o, CliContext ctx)
{
    public const string ResultsFile = "results.json";
    public const string AutoConfigFile = "auto_config.json";
    public const string PredictionsDir = "predictions";

    private readonly Stopwatch clock = Stopwatch.StartNew();

    public CocoEvalResult? Evaluation { get; private set; }

    public int Run()
    {
        var train = DatasetLocation.Resolve(o.Dataset, o.Images, "--dataset");
        var test = o.TestDataset is null ? null : DatasetLocation.Resolve(o.TestDataset, o.TestImages, "--test-dataset");
        if (o.Overrides.Count % 2 != 0)
            throw new CliUsageException($"Config overrides must be KEY VALUE pairs; '{o.Overrides[^1]}' has no value.");
        string output = Path.GetFullPath(o.Output);
        Directory.CreateDirectory(output);

        var log = DatasetLog.FromAction(ctx.Line);
        var data = RegisteredDatasets.Register(train, test, log);
        ctx.Line($"Training data: {data.TrainDescription} ({data.Train.Records.Count} images, classes [{string.Join(", ", data.Classes)}]).");
        ctx.Line(data.HasTest ? $"Test data: {data.TestDescription} ({data.Test!.Records.Count} images)." : "No test data: the model will not be evaluated.");

        var (cfg, choice) = ResolveConfig(data, output);
        ModelDirectory.WriteClasses(output, data.Classes);
        if (choice is not null) PrintChoice(choice);

        using var budgetStop = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(budgetStop.Token, ctx.Stop);
        double trainSeconds = (reserve ?? BudgetReserve.Unmeasured(o.Budget)).TrainingSeconds(o.Budget) - clock.Elapsed.TotalSeconds;
        budgetStop.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, trainSeconds)));

        var trainDeadline = DateTime.UtcNow.AddSeconds(Math.Max(1, trainSeconds));
        DefaultTrainer? current = null;
        // Only a schedule fitted here is refitted: one from --config or SOLVER.MAX_ITER is the user's to keep.
        DeadlineRefitter? refitter = null;
        using var trainer = current = new DefaultTrainer(cfg, data.Catalog, new DefaultTrainerOptions
        {
            NumThreads = o.NumThreads,
            Log = line =>
            {
                progress?.Log(line);
                if (refitter is not null && current is not null) RefitToDeadline(current, refitter);
            },
            LogPeriod = Math.Clamp(cfg.Solver.MaxIter / 50, 1, 20),
        });
        var trainClock = Stopwatch.StartNew();
        int start = trainer.ResumeOrLoad(o.Resume);
        if (scheduleFitted) refitter = new DeadlineRefitter(start, trainDeadline, cap: (fit, done) => BudgetSchedule.Cap(fit, done, choice?.IterationCap));
        bool completed = RunWithProgress(trainer, start, stop.Token);
        trainClock.Stop();
        int done = trainer.Trainer?.Iteration ?? start;
        if (!completed)
        {
            if (ctx.Stop.IsCancellationRequested)
            {
                ctx.Line($"Stopped on request at iteration {done}; continue with --resume.");
                return ExitCodes.Interrupted;
            }
            ctx.Line($"Time budget reached after {done} of {cfg.Solver.MaxIter} iterations; the last iteration is checkpointed (--resume continues).");
        }

        if (data.HasTest)
        {
            Evaluation = trainer.LastEvaluation?.GetValueOrDefault(RegisteredDatasets.TestName) ?? trainer.Test()[RegisteredDatasets.TestName];
            WritePreviews(trainer, cfg, data, output);
        }
        WriteDeployables(trainer, cfg, data, output);
        WriteResults(output, cfg, data, choice, start, done, completed, trainClock.Elapsed, trainer);
        ctx.Console.WriteLine();
        if (Evaluation is not null) ctx.Console.Write(SummaryTable.Build($"'{data.TestDescription}' ({data.Test!.Records.Count} images)", Evaluation));
        ctx.Line($"Output: {output} ({clock.Elapsed.TotalMinutes:F1} min).");
        if (Evaluation is not null) ctx.Line(string.Create(CultureInfo.InvariantCulture, $"Test AP50: {Evaluation.AP50 * 100:F1}  AP: {Evaluation.AP * 100:F1}"));
        return ExitCodes.Ok;
    }

    private TrainProgress? progress;

    /// <summary>What the budget keeps for evaluation and artefacts, when the speed probe measured it.</summary>
    private BudgetReserve? reserve;

    /// <summary>Whether the schedule was fitted to the budget here (not given by --config, SOLVER.MAX_ITER or a resume).</summary>
    private bool scheduleFitted;

    /// <summary>Switches a schedule fitted to the budget to <paramref name="refitter"/>'s when the iteration time
    /// measured says it is off (the speed probe runs a few iterations, often on a cold machine, and a shared host's
    /// speed drifts).</summary>
    private void RefitToDeadline(DefaultTrainer trainer, DeadlineRefitter refitter)
    {
        var t = trainer.Trainer;
        if (t is null) return;
        int was = t.MaxIteration;
        if (refitter.Check(t.Iteration, was, t.Storage.History("time"), DateTime.UtcNow) is not int fit) return;
        trainer.Reschedule(BudgetSchedule.SolverOverrides(fit));
        progress?.Rescheduled(fit);
        ctx.Line(string.Create(CultureInfo.InvariantCulture,
            $"Schedule refitted to the time left at iteration {t.Iteration + 1}: {fit} iterations (was {was}; {refitter.SecondsPerIteration:F2} s/it measured){BudgetSchedule.CapNote(fit, refitter.Fitted, $"{BudgetSchedule.MaxEpochs} epochs")}."));
    }

    private bool RunWithProgress(DefaultTrainer trainer, int start, CancellationToken stop)
    {
        progress = new TrainProgress(ctx, trainer);
        return progress.Run(start, trainer.Config.Solver.MaxIter, () => trainer.Train(stop));
    }

    private (RcnnConfig Config, AutoConfigChoice? Choice) ResolveConfig(RegisteredDatasets data, string output)
    {
        string saved = Path.Combine(output, DefaultTrainer.ConfigFile);
        RcnnConfig cfg;
        AutoConfigChoice? choice = null;
        if (o.ConfigFile is not null)
        {
            if (!File.Exists(o.ConfigFile)) throw new CliUsageException($"--config: file '{o.ConfigFile}' not found.");
            cfg = RcnnConfig.FromFile(o.ConfigFile);
            ctx.Line($"Config: {o.ConfigFile}");
        }
        else if (o.Resume && File.Exists(saved))
        {
            cfg = RcnnConfig.FromFile(saved);
            ctx.Line($"Resuming with the config of the interrupted run: {saved}");
        }
        else
        {
            cfg = RcnnConfig.FromFile(ConfigFiles.Find(ConfigFiles.AutoBase));
            var stats = DatasetStatistics.From(data.Train.Records, data.Classes.Count);
            choice = AutoConfigPicker.PickShape(stats, o.Budget);
            choice.ApplyTo(cfg);
        }
        cfg.Datasets.Train.Clear();
        cfg.Datasets.Train.Add(RegisteredDatasets.TrainName);
        cfg.Datasets.Test.Clear();
        if (data.HasTest) cfg.Datasets.Test.Add(RegisteredDatasets.TestName);
        cfg.Model.RoiHeads.NumClasses = data.Classes.Count;
        cfg.OutputDir = output;
        if (cfg.Seed < 0) cfg.Seed = 42;
        cfg.MergeFromList(o.Overrides);
        bool userIters = o.Overrides.Where((_, i) => i % 2 == 0).Contains("SOLVER.MAX_ITER");
        if (choice is not null && !userIters)
        {
            ctx.Line("Measuring training speed at the picked size (a few iterations)...");
            var testFiles = data.HasTest ? data.Test!.Records.Select(r => r.FileName).ToList() : [];
            var speed = ThroughputProbe.Measure(cfg, data.Catalog, Path.Combine(output, ".probe"), o.NumThreads, testFiles.Take(4).ToList());
            reserve = BudgetReserve.Measured(testFiles.Count + Math.Min(Math.Max(0, o.PreviewImages), testFiles.Count), speed.InferenceSecondsPerImage);
            AutoConfigPicker.PickIterations(choice, o.Budget - clock.Elapsed, speed.IterationsPerSecond, reserve,
                data.Train.Records.Count, cfg.Solver.ImsPerBatch);
            cfg.MergeFromList(AutoConfigPicker.ScheduleOverrides(choice.MaxIter!.Value));
            scheduleFitted = !o.Overrides.Where((_, i) => i % 2 == 0).Contains("SOLVER.STEPS");
            cfg.MergeFromList(o.Overrides);
        }
        if (choice is not null)
            JsonFiles.Write(Path.Combine(output, AutoConfigFile), choice.Reasons.Select(r => new { setting = r.Setting, value = r.Value, why = r.Why }));
        return (cfg, choice);
    }

    private void PrintChoice(AutoConfigChoice choice)
    {
        var table = new Table().Title("Auto-picked config (no --config given)").Border(TableBorder.Rounded)
            .AddColumn("setting").AddColumn("value").AddColumn("why");
        foreach (var (s, v, why) in choice.Reasons) table.AddRow(Markup.Escape(s), Markup.Escape(v), Markup.Escape(why));
        ctx.Console.Write(table);
    }

    private void WritePreviews(DefaultTrainer trainer, RcnnConfig cfg, RegisteredDatasets data, string output)
    {
        if (o.PreviewImages <= 0) return;
        var predictor = new Predictor(trainer.Model, cfg, data.Classes);
        string dir = Path.Combine(output, PredictionsDir);
        Directory.CreateDirectory(dir);
        foreach (var r in data.Test!.Records.Take(o.PreviewImages))
        {
            var p = predictor.Predict(r.FileName, 0.5f);
            PredictionDrawer.Save(p, Path.Combine(dir, Path.GetFileNameWithoutExtension(r.FileName) + ".jpg"));
        }
        ctx.Line($"Drew predictions (score >= 0.5) on {Math.Min(o.PreviewImages, data.Test.Records.Count)} test images into {dir}.");
    }

    /// <summary>model.onnx (image layout), model.mlnet (ML.NET zip) and the consumption project. An architecture the
    /// exporter does not support is reported and skipped; the checkpoint still stands.</summary>
    private void WriteDeployables(DefaultTrainer trainer, RcnnConfig cfg, RegisteredDatasets data, string output)
    {
        trainer.Model.eval();
        string onnx = Path.Combine(output, ExportCommand.OnnxFile);
        try
        {
            DetectorOnnxExporter.Export(trainer.Model, cfg, onnx, new DetectorOnnxOptions { ClassNames = data.Classes });
            ctx.Line($"Exported {onnx}.");
            string zip = Path.Combine(output, MlNetModelFile.FileName);
            MlNetModelFile.Write(trainer.Model, cfg, data.Classes, zip);
            ctx.Line($"Saved the ML.NET model {zip} (mlContext.Model.Load; needs Rcnn.MLNet.dll).");
            string project = Path.Combine(output, CodegenCommand.DefaultFolder);
            ConsumptionProject.Write(project, CodegenCommand.DefaultName, onnx);
            ctx.Line($"Generated the consumption project {project} (dotnet run --project {project} -- IMAGE...).");
        }
        catch (NotSupportedException e)
        {
            ctx.Line($"warning: no ONNX / ML.NET model: {e.Message}");
        }
    }

    private void WriteResults(string output, RcnnConfig cfg, RegisteredDatasets data, AutoConfigChoice? choice, int start, int done,
        bool completed, TimeSpan trainTime, DefaultTrainer trainer)
    {
        var rss = trainer.Trainer?.Storage.History("rss_mb").Select(v => v.Value).DefaultIfEmpty(0).Max() ?? 0;
        var results = new Dictionary<string, object?>
        {
            ["classes"] = data.Classes,
            ["train_dataset"] = data.TrainDescription,
            ["test_dataset"] = data.TestDescription,
            ["start_iteration"] = start,
            ["iterations_done"] = done,
            ["max_iter"] = cfg.Solver.MaxIter,
            ["completed"] = completed,
            ["train_seconds"] = Math.Round(trainTime.TotalSeconds, 1),
            ["budget_seconds"] = o.Budget.TotalSeconds,
            ["peak_rss_mb"] = Math.Round(rss),
            ["auto_config"] = choice?.Reasons.ToDictionary(r => r.Setting, r => r.Value),
            ["bbox"] = Evaluation?.ToDetectron2Metrics().ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? (double?)Math.Round(kv.Value, 3) : null),
        };
        JsonFiles.Write(Path.Combine(output, ResultsFile), results);
    }
}
