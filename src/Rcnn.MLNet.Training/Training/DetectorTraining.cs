using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Runtime;
using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Host;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;
using Rcnn.Training;
using static TorchSharp.torch;

namespace Rcnn.MLNet.Training;

/// <summary>
/// One training run for DetectObjects: the config (file, preset, or picked from the data), then DefaultTrainer builds,
/// seeds and trains everything from it (model, MODEL.WEIGHTS, optimizer, schedule, clipping, threads), with one more
/// hook for the IProgress callback and, for a picked config, the hooks of its <see cref="AutoSchedule"/> (validation on
/// the ValidationSet or on images held out of the training data, the budget); then the model (the best by validation,
/// when validated) is exported to ONNX (FlatPixels) next to the other outputs.
/// </summary>
internal static class DetectorTraining
{
    public const string OnnxFile = "detector.onnx";

    /// <summary>The seed that draws held-out validation images.</summary>
    public const int HoldOutSeed = 42;

    private const string AllTraining = "mlnet_training_data", AllValidation = "mlnet_validation_data";

    public static (byte[] Onnx, DetectionTrainingSummary Summary) Run(TrainingData train, TrainingData? validation, DetectObjectsOptions options,
        string folder, DetectionLog log, IHostEnvironment? env)
    {
        var clock = Stopwatch.StartNew();
        TorchRuntime.EnsureLoaded();
        var cfg = TrainingConfig.Build(options, train, validation is not null, folder, log.Info, out var choice);
        var catalog = new DatasetCatalog(DatasetLog.FromAction(log.Info));
        if (env?.GetType().GetProperty("GpuDeviceId")?.GetValue(env) is int gpu)
            log.Info($"MLContext.GpuDeviceId is {gpu}: scoring will ask ONNX Runtime for that GPU; training runs on the CPU (this build's libtorch is CPU-only).");

        bool validate;
        DeadlineRefitter? refitter = null;
        DateTime? trainDeadline = null;
        ThroughputMeasurement? speed = null;
        if (choice is null)
        {
            train.Register(catalog, TrainingConfig.TrainDataset);
            validation?.Register(catalog, TrainingConfig.ValidationDataset);
            validate = false;
        }
        else
        {
            train.Register(catalog, AllTraining);
            validation?.Register(catalog, AllValidation);
            log.Info("Validation: " + HoldOut.Register(catalog, AllTraining, validation is null ? null : AllValidation,
                TrainingConfig.TrainDataset, TrainingConfig.ValidationDataset, HoldOutSeed) + ".");
            var validationRecords = catalog.GetRecords(TrainingConfig.ValidationDataset);
            validate = validationRecords.Count > 0;
            cfg.MergeFromList(["DATASETS.TEST", validate ? $"('{TrainingConfig.ValidationDataset}',)" : "()"]);
            if (options.MaxIterations is null)
            {
                var budget = options.TimeBudget ?? TrainingConfig.DefaultBudget;
                speed = ThroughputProbe.Measure(cfg, catalog, Path.Combine(folder, ".probe"), options.NumThreads, validationRecords.Take(4).ToList());
                var reserve = BudgetReserve.Measured(0, speed.InferenceSecondsPerImage, validate ? AutoSchedule.EvaluationsPerSchedule * validationRecords.Count : 0);
                AutoConfigPicker.PickIterations(choice, budget - clock.Elapsed, speed.IterationsPerSecond, reserve);
                cfg.MergeFromList(AutoConfigPicker.ScheduleOverrides(choice.MaxIter!.Value));
                trainDeadline = DateTime.UtcNow.AddSeconds(Math.Max(1, reserve.TrainingWindowSeconds(budget - clock.Elapsed)));
                refitter = new DeadlineRefitter(0, trainDeadline.Value);
            }
            if (validate)
                cfg.MergeFromList(["TEST.EVAL_PERIOD", AutoSchedule.EvalPeriod(cfg.Solver.MaxIter,
                    speed is null ? 0 : validationRecords.Count * speed.InferenceSecondsPerImage, speed?.IterationsPerSecond ?? 0).ToString(CultureInfo.InvariantCulture)]);
            if (options.ConfigOverrides.Count > 0) cfg.MergeFromList(options.ConfigOverrides.ToList());
            cfg.Solver.CheckpointPeriod = cfg.Solver.MaxIter;
            foreach (var (setting, value, why) in choice.Reasons) log.Info($"Picked {setting}: {value} ({why}).");
        }

        int threadsBefore = get_num_threads();
        try
        {
            var schedule = new AutoSchedule(validate, refitter, log.Info);
            ProgressHook? progress = null;
            using var deadline = new CancellationTokenSource();
            using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions
            {
                NumThreads = options.NumThreads,
                Log = log.Info,
                LogPeriod = Math.Max(1, options.LogEveryNIterations),
                LossCurvePeriod = Math.Max(1, cfg.Solver.MaxIter),
                Hooks = [.. schedule.Hooks(), t => progress = new ProgressHook(options.Progress, () => t.LastEvaluation is { } r ? Flatten(r) : null)],
                EvaluateFrom = validate ? cfg.Solver.WarmupIters : 0,
                EvaluationFiles = choice is null,
                EvaluateWhenStopped = () => deadline.IsCancellationRequested,
            });
            trainer.ResumeOrLoad(resume: false);
            log.Info(string.Create(CultureInfo.InvariantCulture,
                $"Training Faster R-CNN ({cfg.Model.Backbone.Name}, {cfg.Model.RoiHeads.NumClasses} classes) for {cfg.Solver.MaxIter} iterations, batch {cfg.Solver.ImsPerBatch}."));
            if (trainDeadline is { } end) deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, (end - DateTime.UtcNow).TotalSeconds)));
            bool completed = trainer.Train(deadline.Token);
            int done = trainer.Trainer?.Iteration ?? 0;
            if (!completed) log.Info($"Time budget reached after {done} of {trainer.Config.Solver.MaxIter} iterations.");
            CocoEvalResult? finalValidation = trainer.LastEvaluation?.Values.FirstOrDefault();
            if (schedule.UseBest(trainer) is { } final)
            {
                log.Info(final);
                // The summary's (and the last progress report's) validation result is the final model's.
                var v = catalog.Get(TrainingConfig.ValidationDataset);
                trainer.Model.eval();
                finalValidation = DatasetEvaluation.Evaluate(trainer.Model, v.Records, v.Metadata, trainer.Config);
                progress?.Report(Flatten(new Dictionary<string, CocoEvalResult> { [TrainingConfig.ValidationDataset] = finalValidation }));
            }

            trainer.Model.eval();
            var onnx = DetectorExport.ToFlatPixelsOnnx(trainer.Model, trainer.Config, train.ClassNames);
            string onnxPath = Path.Combine(cfg.OutputDir, OnnxFile);
            File.WriteAllBytes(onnxPath, onnx);
            log.Info(string.Create(CultureInfo.InvariantCulture,
                $"Trained {done} iterations in {clock.Elapsed.TotalSeconds:F1} s; ONNX model ({onnx.Length / 1e6:F1} MB) written to {onnxPath}."));
            var summary = new DetectionTrainingSummary(cfg.OutputDir, onnxPath, train.ClassNames, train.Records.Count, train.Objects,
                done, clock.Elapsed, progress?.Last, finalValidation);
            return (onnx, summary);
        }
        finally
        {
            set_num_threads(threadsBefore);
        }
    }

    private static IReadOnlyDictionary<string, double> Flatten(IReadOnlyDictionary<string, CocoEvalResult> results)
    {
        var flat = new Dictionary<string, double>();
        foreach (var (_, r) in results)
            foreach (var (k, v) in r.ToDetectron2Metrics())
                flat["bbox/" + k] = v;
        return flat;
    }
}
