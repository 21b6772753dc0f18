using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Runtime;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Data;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Modeling.MetaArch;
using static TorchSharp.torch;

namespace Rcnn.MLNet.Training;

/// <summary>
/// One training run for DetectObjects: DefaultTrainer builds and seeds everything from the config (model, MODEL.WEIGHTS,
/// optimizer, schedule, clipping, threads); the loop is DefaultTrainer.Train's with one more hook for the IProgress
/// callback; then the model is exported to ONNX (FlatPixels) next to the other outputs.
/// </summary>
internal static class DetectorTraining
{
    public const string OnnxFile = "detector.onnx";

    public static (byte[] Onnx, DetectionTrainingSummary Summary) Run(RcnnConfig cfg, TrainingData train, TrainingData? validation,
        DetectObjectsOptions options, DetectionLog log, IHostEnvironment? env)
    {
        var clock = Stopwatch.StartNew();
        TorchRuntime.EnsureLoaded();
        var catalog = new DatasetCatalog(DatasetLog.FromAction(log.Info));
        train.Register(catalog, TrainingConfig.TrainDataset);
        validation?.Register(catalog, TrainingConfig.ValidationDataset);
        if (env?.GetType().GetProperty("GpuDeviceId")?.GetValue(env) is int gpu)
            log.Info($"MLContext.GpuDeviceId is {gpu}: scoring will ask ONNX Runtime for that GPU; training runs on the CPU (this build's libtorch is CPU-only).");

        int threadsBefore = get_num_threads();
        try
        {
            using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions
            {
                NumThreads = options.NumThreads,
                Log = log.Info,
                LogPeriod = Math.Max(1, options.LogEveryNIterations),
                LossCurvePeriod = Math.Max(1, cfg.Solver.MaxIter),
            });
            trainer.ResumeOrLoad(resume: false);
            var progress = Loop(trainer, catalog.GetRecords(cfg.Datasets.Train), validation is not null, options, log);

            trainer.Model.eval();
            var onnx = DetectorExport.ToFlatPixelsOnnx(trainer.Model, cfg, train.ClassNames);
            string onnxPath = Path.Combine(cfg.OutputDir, OnnxFile);
            File.WriteAllBytes(onnxPath, onnx);
            log.Info(string.Create(CultureInfo.InvariantCulture,
                $"Trained {cfg.Solver.MaxIter} iterations in {clock.Elapsed.TotalSeconds:F1} s; ONNX model ({onnx.Length / 1e6:F1} MB) written to {onnxPath}."));
            var summary = new DetectionTrainingSummary(cfg.OutputDir, onnxPath, train.ClassNames, train.Records.Count, train.Objects,
                cfg.Solver.MaxIter, clock.Elapsed, progress, trainer.LastEvaluation?.Values.FirstOrDefault());
            return (onnx, summary);
        }
        finally
        {
            set_num_threads(threadsBefore);
        }
    }

    private static DetectionTrainingProgress? Loop(DefaultTrainer trainer, IReadOnlyList<DatasetRecord> records, bool validate, DetectObjectsOptions options, DetectionLog log)
    {
        var cfg = trainer.Config;
        using var loader = DetectionDataLoader.CreateTrain(cfg, records, trainer.Seed, DatasetLog.FromAction(log.Info));
        // The loop disposes each batch's tensors after its step.
        using var data = loader.Batches()
            .Select(b => (IReadOnlyList<DetectionInput>)b.Select(s => new DetectionInput(s.Image, s.Instances)).ToList())
            .GetEnumerator();
        var loop = new Trainer(trainer.Model, data, trainer.Optimizer, trainer.Schedule, trainer.Clipper);
        var hooks = new List<HookBase> { new PeriodicCheckpointerHook(trainer.Checkpointer, cfg.Solver.CheckpointPeriod) };
        EvalHook? eval = validate ? new EvalHook(cfg.Test.EvalPeriod, () => Flatten(trainer.Test())) : null;
        if (eval is not null) hooks.Add(eval);
        hooks.Add(new MetricsWriterHook(Path.Combine(cfg.OutputDir, DefaultTrainer.MetricsFile), Math.Max(1, options.LogEveryNIterations), log.Info));
        hooks.Add(new LossCurveHook(Path.Combine(cfg.OutputDir, DefaultTrainer.LossCurveFile), Math.Max(1, cfg.Solver.MaxIter)));
        var progress = new ProgressHook(options.Progress, () => eval?.LastResults);
        hooks.Add(progress);
        loop.Register([.. hooks]);
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"Training Faster R-CNN ({cfg.Model.Backbone.Name}, {cfg.Model.RoiHeads.NumClasses} classes) for {cfg.Solver.MaxIter} iterations, batch {cfg.Solver.ImsPerBatch}, on {records.Count} images."));
        loop.Train(0, cfg.Solver.MaxIter);
        return progress.Last;
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
