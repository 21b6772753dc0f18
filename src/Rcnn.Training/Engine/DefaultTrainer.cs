using System.Globalization;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Solver;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

/// <summary>
/// detectron2's <c>DefaultTrainer</c>: everything a training run needs, built from one config. The model, optimizer,
/// LR schedule and gradient clipper come from MODEL.* / SOLVER.*; images from DATASETS.TRAIN (several names are
/// concatenated); checkpoints, metrics.json, loss_curve.png, config.yaml and evaluation results (every
/// TEST.EVAL_PERIOD and at the end, on DATASETS.TEST) go to OUTPUT_DIR.
/// </summary>
public sealed partial class DefaultTrainer : IDisposable
{
    public const string MetricsFile = "metrics.json";
    public const string LossCurveFile = "loss_curve.png";
    public const string ConfigFile = "config.yaml";
    public const string InferenceDir = "inference";

    private readonly DatasetCatalog catalog;
    private readonly DefaultTrainerOptions options;

    public DefaultTrainer(RcnnConfig cfg, DatasetCatalog catalog, DefaultTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(catalog);
        Config = cfg;
        this.catalog = catalog;
        this.options = options ?? new DefaultTrainerOptions();
        if (this.options.LogPeriod < 1) throw new ArgumentOutOfRangeException(nameof(options), this.options.LogPeriod, "LogPeriod must be >= 1.");
        if (cfg.Solver.CheckpointPeriod < 1)
            throw new ConfigException($"SOLVER.CHECKPOINT_PERIOD must be >= 1, got {cfg.Solver.CheckpointPeriod}.", "SOLVER.CHECKPOINT_PERIOD");
        Seed = Setup(cfg, this.options);
        AugmentationList.Build(cfg.Input, isTrain: true); // an INPUT.CROP it cannot use fails before the model is built
        Model = GeneralizedRcnn.FromConfig(cfg);
        // detectron2 runs PreciseBN only when the model has BatchNorm layers in training mode; without them it is inert.
        if (cfg.Test.PreciseBn.Enabled && Model.modules().Any(m => m is TorchSharp.Modules.BatchNorm2d))
        {
            Model.Dispose();
            throw new ConfigException("TEST.PRECISE_BN.ENABLED True: recomputing BatchNorm statistics before evaluation is not " +
                "implemented, and this model has BatchNorm layers (a NORM of \"BN\" or \"SyncBN\"); turn it off or use GN or FrozenBN.",
                "TEST.PRECISE_BN.ENABLED");
        }
        Log($"Model: {cfg.Model.MetaArchitecture} with {Model.parameters().Sum(p => p.numel()):N0} parameters.");
        Optimizer = OptimizerBuilder.BuildSgd(Model, cfg.Solver);
        Schedule = LrSchedule.FromConfig(cfg.Solver, Log);
        Clipper = GradientClipper.FromConfig(cfg.Solver);
        Checkpointer = new Checkpointer(cfg.OutputDir, log: Log) { RunState = RunState };
    }

    public RcnnConfig Config { get; }

    public GeneralizedRcnn Model { get; }

    public optim.Optimizer Optimizer { get; }

    public LrSchedule Schedule { get; private set; }

    public GradientClipper? Clipper { get; }

    public Checkpointer Checkpointer { get; }

    /// <summary>The seed actually used (SEED, or the random one drawn when SEED is negative).</summary>
    public int Seed { get; private set; }

    /// <summary>The first iteration <see cref="Train"/> runs: 0, or the resumed checkpoint's iteration + 1.</summary>
    public int StartIteration { get; private set; }

    /// <summary>The loop of the last <see cref="Train"/> call (its storage holds every recorded scalar).</summary>
    public Trainer? Trainer { get; private set; }

    /// <summary>Results of the last evaluation, per DATASETS.TEST name.</summary>
    public IReadOnlyDictionary<string, CocoEvalResult>? LastEvaluation { get; private set; }

    private void Log(string line) => options.Log(line);

    /// <summary>Runs iterations StartIteration .. SOLVER.MAX_ITER - 1. <paramref name="stop"/> ends the run after the
    /// current iteration and writes a checkpoint of it. Returns true when training ran to MAX_ITER.</summary>
    public bool Train(CancellationToken stop = default)
    {
        var cfg = Config;
        int maxIter = cfg.Solver.MaxIter;
        if (StartIteration >= maxIter)
        {
            Log($"Nothing to train: starting iteration {StartIteration} is not below SOLVER.MAX_ITER {maxIter}.");
            return true;
        }
        var records = TrainRecords();
        using var loader = DetectionDataLoader.CreateTrain(cfg, records, Seed, DatasetLog.FromAction(Log));
        ReplayData(loader);
        // The loop disposes each batch's tensors after its step; they are the mapped samples' own tensors.
        using var data = loader.Batches()
            .Select(b => (IReadOnlyList<DetectionInput>)b.Select(s => s.ToInput(training: true)).ToList())
            .GetEnumerator();
        var trainer = new Trainer(Model, data, Optimizer, Schedule, Clipper);
        Trainer = trainer;
        var hooks = new List<HookBase>
        {
            new PeriodicCheckpointerHook(Checkpointer, cfg.Solver.CheckpointPeriod),
            new DefaultTrainerInterruptHook(Checkpointer, () => stop.IsCancellationRequested, Log),
        };
        // Evaluation, and the hooks that read it, run before the writers so their numbers land in the same metrics.json line.
        if (cfg.Datasets.Test.Count > 0) hooks.Add(new EvalHook(cfg.Test.EvalPeriod, EvaluationMetrics, options.EvaluateFrom, options.EvaluateWhenStopped));
        hooks.AddRange(options.Hooks.Select(make => make(this)));
        hooks.Add(new MetricsWriterHook(Path.Combine(cfg.OutputDir, MetricsFile), options.LogPeriod, Log));
        hooks.Add(new LossCurveHook(Path.Combine(cfg.OutputDir, LossCurveFile), options.LossCurvePeriod));
        trainer.Register([.. hooks]);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"Starting training from iteration {StartIteration} to {maxIter - 1} on [{string.Join(", ", cfg.Datasets.Train)}] ({records.Count} images), batch {cfg.Solver.ImsPerBatch}."));
        trainer.Train(StartIteration, maxIter, stop);
        return trainer.Completed;
    }

    /// <summary>
    /// Changes the solver schedule (SOLVER.* <paramref name="overrides"/>, e.g. MAX_ITER and STEPS) of this trainer and
    /// of a <see cref="Train"/> in progress, from its next iteration on; config.yaml is rewritten so that a resume
    /// continues with the new schedule. The LR schedule is a function of iteration / MAX_ITER, so the past is unchanged.
    /// </summary>
    public void Reschedule(IReadOnlyList<string> overrides)
    {
        for (int i = 0; i < overrides.Count; i += 2)
            if (!overrides[i].StartsWith("SOLVER.", StringComparison.Ordinal))
                throw new ArgumentException($"Only SOLVER.* keys can change during training, not {overrides[i]}.", nameof(overrides));
        var cfg = Config.Clone();
        cfg.MergeFromList(overrides);
        var schedule = LrSchedule.FromConfig(cfg.Solver, Log);
        Trainer?.Reschedule(cfg.Solver.MaxIter, schedule);
        Config.MergeFromList(overrides);
        Schedule = schedule;
        string yaml = Path.Combine(Config.OutputDir, ConfigFile), tmp = yaml + ".tmp";
        File.WriteAllText(tmp, Config.Dump());
        File.Move(tmp, yaml, overwrite: true);
    }

    /// <summary>Evaluates the model on every DATASETS.TEST name (detectron2's <c>DefaultTrainer.test</c>); results go to
    /// OUTPUT_DIR/inference (a sub-folder per dataset when there are several).</summary>
    public IReadOnlyDictionary<string, CocoEvalResult> Test()
    {
        var names = Config.Datasets.Test;
        if (names.Count == 0) throw new ConfigException("DATASETS.TEST is empty: there is nothing to evaluate on.", "DATASETS.TEST");
        var results = new Dictionary<string, CocoEvalResult>();
        foreach (var name in names)
        {
            var dataset = catalog.Get(name);
            CheckClasses(name, dataset.Metadata);
            string dir = Path.Combine(Config.OutputDir, InferenceDir);
            if (names.Count > 1) dir = Path.Combine(dir, name);
            results[name] = DatasetEvaluation.Evaluate(Model, dataset.Records, dataset.Metadata, Config, dir, Log);
        }
        LastEvaluation = results;
        return results;
    }

    /// <summary>Every DATASETS.TEST name evaluated, numbers only (no files).</summary>
    private IReadOnlyDictionary<string, CocoEvalResult> Evaluate()
    {
        var results = new Dictionary<string, CocoEvalResult>();
        foreach (var name in Config.Datasets.Test)
        {
            var dataset = catalog.Get(name);
            CheckClasses(name, dataset.Metadata);
            results[name] = DatasetEvaluation.Evaluate(Model, dataset.Records, dataset.Metadata, Config);
        }
        LastEvaluation = results;
        return results;
    }

    /// <summary>The evaluation as detectron2 stores it: "bbox/AP", "bbox/AP-RBC" ... (prefixed with the dataset name
    /// when DATASETS.TEST has several).</summary>
    private IReadOnlyDictionary<string, double> EvaluationMetrics()
    {
        var results = options.EvaluationFiles ? Test() : Evaluate();
        var flat = new Dictionary<string, double>();
        foreach (var (name, r) in results)
            foreach (var (k, v) in r.ToDetectron2Metrics())
                flat[(results.Count > 1 ? name + "/" : "") + "bbox/" + k] = v;
        return flat;
    }

    private IReadOnlyList<DatasetRecord> TrainRecords()
    {
        var names = Config.Datasets.Train;
        if (names.Count == 0) throw new ConfigException("DATASETS.TRAIN is empty: there is nothing to train on.", "DATASETS.TRAIN");
        foreach (var n in names) CheckClasses(n, catalog.GetMetadata(n));
        return catalog.GetRecords(names);
    }

    private void CheckClasses(string name, DatasetMetadata metadata)
    {
        int k = Config.Model.RoiHeads.NumClasses;
        if (metadata.ThingClasses.Count != k)
            throw new ConfigException(
                $"MODEL.ROI_HEADS.NUM_CLASSES is {k} but dataset '{name}' has {metadata.ThingClasses.Count} classes " +
                $"[{string.Join(", ", metadata.ThingClasses)}]; set MODEL.ROI_HEADS.NUM_CLASSES {metadata.ThingClasses.Count}.",
                "MODEL.ROI_HEADS.NUM_CLASSES");
    }

    public void Dispose()
    {
        Model.Dispose();
    }
}
