using System.Diagnostics;
using System.Globalization;
using Rcnn.Cli.Codegen;
using Rcnn.Cli.Datasets;
using Rcnn.Cli.Output;
using Rcnn.MLNet.AutoConfig;
using Rcnn.Onnx;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;
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
        string saved = Path.Combine(output, DefaultTrainer.ConfigFile);
        // An auto-picked config validates as it trains; a given one trains as written.
        bool auto = o.ConfigFile is null && !(o.Resume && File.Exists(saved));
        bool validate = auto || (o.Resume && File.Exists(saved) && RcnnConfig.FromFile(saved).Datasets.Test.SequenceEqual([RegisteredDatasets.ValidationName]));

        var log = DatasetLog.FromAction(ctx.Line);
        var data = RegisteredDatasets.Register(train, test, log, validationSeed: validate ? ValidationSeed : null);
        ctx.Line($"Training data: {data.TrainDescription} ({data.Train.Records.Count} images, classes [{string.Join(", ", data.Classes)}]).");
        if (data.ValidationDescription is { } v) ctx.Line($"Validation: {v}.");
        ctx.Line(data.HasTest ? $"Test data: {data.TestDescription} ({data.Test!.Records.Count} images)." : "No test data: the model will not be evaluated.");
        validate = data.Validation is { Records.Count: > 0 };

        var (cfg, choice) = ResolveConfig(data, output, validate);
        ModelDirectory.WriteClasses(output, data.Classes);
        if (choice is not null) PrintChoice(choice);

        using var budgetStop = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(budgetStop.Token, ctx.Stop);
        double trainSeconds = (reserve ?? BudgetReserve.Unmeasured(o.Budget)).TrainingWindowSeconds(o.Budget) - clock.Elapsed.TotalSeconds;
        budgetStop.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, trainSeconds)));
        var trainDeadline = DateTime.UtcNow.AddSeconds(Math.Max(1, trainSeconds));

        // Only a schedule fitted here is refitted: one from --config or SOLVER.MAX_ITER is the user's to keep.
        var schedule = new AutoSchedule(validate, scheduleFitted ? new DeadlineRefitter(0, trainDeadline) : null, ctx.Line, n => progress?.Rescheduled(n));
        using var trainer = new DefaultTrainer(cfg, data.Catalog, new DefaultTrainerOptions
        {
            NumThreads = o.NumThreads,
            // Lines logged while the trainer is set up (model, weights) come before the progress display exists.
            Log = line => { if (progress is not null) progress.Log(line); else ctx.Line(line); },
            LogPeriod = Math.Clamp(cfg.Solver.MaxIter / 50, 1, 20),
            Hooks = validate ? schedule.Hooks() : [],
            EvaluateFrom = validate ? cfg.Solver.WarmupIters : 0,
            EvaluationFiles = !validate,
            EvaluateWhenStopped = () => budgetStop.IsCancellationRequested && !ctx.Stop.IsCancellationRequested,
        });
        var trainClock = Stopwatch.StartNew();
        int start = trainer.ResumeOrLoad(o.Resume);
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
            ctx.Line($"Time budget reached after {done} of {trainer.Config.Solver.MaxIter} iterations; the last iteration is checkpointed (--resume continues).");
        }
        string? final = schedule.UseBest(trainer);
        if (final is not null) ctx.Line(final);

        if (data.HasTest)
        {
            Evaluation = validate || trainer.LastEvaluation?.GetValueOrDefault(RegisteredDatasets.TestName) is not { } last
                ? DatasetEvaluation.Evaluate(trainer.Model, data.Test!.Records, data.Test.Metadata, cfg, Path.Combine(output, DefaultTrainer.InferenceDir), ctx.Line)
                : last;
            WritePreviews(trainer, cfg, data, output);
        }
        WriteDeployables(trainer, cfg, data, output);
        WriteResults(output, cfg, data, choice, start, done, completed, trainClock.Elapsed, trainer, schedule, final);
        ctx.Console.WriteLine();
        if (Evaluation is not null) ctx.Console.Write(SummaryTable.Build($"'{data.TestDescription}' ({data.Test!.Records.Count} images)", Evaluation));
        ctx.Line($"Output: {output} ({clock.Elapsed.TotalMinutes:F1} min).");
        if (Evaluation is not null) ctx.Line(string.Create(CultureInfo.InvariantCulture, $"Test AP50: {Evaluation.AP50 * 100:F1}  AP: {Evaluation.AP * 100:F1}"));
        return ExitCodes.Ok;
    }

    /// <summary>The seed that draws held-out validation images (fixed, so a resumed run holds out the same ones).</summary>
    public const int ValidationSeed = 42;

    private TrainProgress? progress;

    /// <summary>What the speed probe measured, when it ran.</summary>
    private ThroughputMeasurement? speed;

    /// <summary>What the budget keeps for evaluation and artefacts, when the speed probe measured it.</summary>
    private BudgetReserve? reserve;

    /// <summary>Whether the schedule was fitted to the budget here (not given by --config, SOLVER.MAX_ITER or a resume).</summary>
    private bool scheduleFitted;

    private bool RunWithProgress(DefaultTrainer trainer, int start, CancellationToken stop)
    {
        progress = new TrainProgress(ctx, trainer);
        return progress.Run(start, trainer.Config.Solver.MaxIter, () => trainer.Train(stop));
    }

    private (RcnnConfig Config, AutoConfigChoice? Choice) ResolveConfig(RegisteredDatasets data, string output, bool validate)
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
            var stats = DatasetStatistics.From(data.Train.Records, data.Classes.Count);
            bool available = AutoConfigPicker.PretrainedAvailable(out string where);
            if (!o.FromScratch && !available) ctx.Line($"warning: training from scratch: {where}");
            bool pretrained = available && !o.FromScratch;
            choice = AutoConfigPicker.PickShape(stats, o.Budget, pretrained, pretrained ? "restored with the build" : o.FromScratch ? "--from-scratch" : "the pretrained weights are not restored here");
            cfg = AutoConfigPicker.BuildConfig(choice);
        }
        cfg.Datasets.Train.Clear();
        cfg.Datasets.Train.Add(RegisteredDatasets.TrainName);
        cfg.Datasets.Test.Clear();
        // With validation the trainer evaluates the validation images; the test data is evaluated once, at the end.
        if (validate) cfg.Datasets.Test.Add(RegisteredDatasets.ValidationName);
        else if (data.HasTest) cfg.Datasets.Test.Add(RegisteredDatasets.TestName);
        cfg.Model.RoiHeads.NumClasses = data.Classes.Count;
        cfg.OutputDir = output;
        if (cfg.Seed < 0) cfg.Seed = 42;
        cfg.MergeFromList(o.Overrides);
        bool userIters = o.Overrides.Where((_, i) => i % 2 == 0).Contains("SOLVER.MAX_ITER");
        if (choice is not null && userIters)
        {
            // The preset's steps and warm-up were made for its own length: a given length gets the auto schedule's shape.
            cfg.MergeFromList(AutoConfigPicker.ScheduleOverrides(cfg.Solver.MaxIter));
            cfg.MergeFromList(o.Overrides);
        }
        if (choice is not null && !userIters)
        {
            ctx.Line("Measuring training speed at the picked size (a few iterations)...");
            var testRecords = data.HasTest ? data.Test!.Records : [];
            var speed = ThroughputProbe.Measure(cfg, data.Catalog, Path.Combine(output, ".probe"), o.NumThreads, testRecords.Take(4).ToList());
            this.speed = speed;
            int validationImages = data.Validation?.Records.Count ?? 0;
            reserve = BudgetReserve.Measured(testRecords.Count + Math.Min(Math.Max(0, o.PreviewImages), testRecords.Count), speed.InferenceSecondsPerImage,
                validate ? AutoSchedule.EvaluationsPerSchedule * validationImages : 0);
            AutoConfigPicker.PickIterations(choice, o.Budget - clock.Elapsed, speed.IterationsPerSecond, reserve);
            cfg.MergeFromList(AutoConfigPicker.ScheduleOverrides(choice.MaxIter!.Value));
            scheduleFitted = !o.Overrides.Where((_, i) => i % 2 == 0).Contains("SOLVER.STEPS");
            cfg.MergeFromList(o.Overrides);
        }
        if (choice is not null && validate)
        {
            int validationImages = data.Validation!.Records.Count;
            cfg.MergeFromList(["TEST.EVAL_PERIOD", AutoSchedule.EvalPeriod(cfg.Solver.MaxIter,
                speed is null ? 0 : validationImages * speed.InferenceSecondsPerImage, speed?.IterationsPerSecond ?? 0).ToString(CultureInfo.InvariantCulture)]);
            choice.Reasons.Add(("validation", data.Validation!.Records.Count.ToString(CultureInfo.InvariantCulture) + " images",
                $"{data.ValidationDescription}; evaluated every {cfg.Test.EvalPeriod} iterations after the warm-up; the LR steps when {AutoSchedule.Patience} evaluations bring no new best, and the best model by validation AP is kept"));
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
        bool completed, TimeSpan trainTime, DefaultTrainer trainer, AutoSchedule schedule, string? final)
    {
        var validation = trainer.Trainer?.Storage.History(AutoSchedule.Metric) ?? [];
        var rss = trainer.Trainer?.Storage.History("rss_mb").Select(v => v.Value).DefaultIfEmpty(0).Max() ?? 0;
        var results = new Dictionary<string, object?>
        {
            ["classes"] = data.Classes,
            ["train_dataset"] = data.TrainDescription,
            ["test_dataset"] = data.TestDescription,
            ["start_iteration"] = start,
            ["iterations_done"] = done,
            ["max_iter"] = trainer.Config.Solver.MaxIter,
            ["validation_dataset"] = data.ValidationDescription,
            ["validation_ap"] = validation.Select(v => new { iteration = v.Iteration + 1, ap = Math.Round(v.Value, 2) }).ToList(),
            ["best_iteration"] = schedule.Best?.Best is { } b ? b.Iteration + 1 : null,
            ["best_validation_ap"] = schedule.Best?.Best is { } bv ? Math.Round(bv.Value, 2) : null,
            ["lr_stepped_at"] = schedule.SteppedAt,
            ["final_model"] = final,
            ["checkpoint"] = schedule.Best?.Best is not null ? Path.GetFileName(schedule.Best.Path) : null,
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
