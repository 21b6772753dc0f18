using System.Globalization;
using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.Data;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.Training;

/// <summary>The detectron2 config a DetectObjects run trains with: file, preset or picked from the data, then the
/// options, then the overrides.</summary>
internal static class TrainingConfig
{
    public const string TrainDataset = "mlnet_train";
    public const string ValidationDataset = "mlnet_validation";

    /// <summary>The budget a picked config is fitted to when <see cref="DetectObjectsOptions.TimeBudget"/> is not set
    /// (<c>rcnn train</c>'s default).</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMinutes(30);

    /// <param name="choice">What the picker chose, when the config was picked (no ConfigFile, no Preset); its schedule
    /// is a placeholder until the caller fits it to the measured speed, unless MaxIterations is set.</param>
    public static RcnnConfig Build(DetectObjectsOptions o, TrainingData train, bool hasValidation, string outputFolder, Action<string> log,
        out AutoConfigChoice? choice)
    {
        choice = null;
        if (o.MaxIterations is < 1) throw new ArgumentOutOfRangeException(nameof(o), o.MaxIterations, "MaxIterations must be >= 1.");
        RcnnConfig cfg;
        if (o.ConfigFile is { } file)
            cfg = File.Exists(file) ? RcnnConfig.FromFile(file) : throw new FileNotFoundException($"ConfigFile not found: {file}", file);
        else if (o.Preset is { } preset)
            cfg = ConfigPresets.Load(preset);
        else
        {
            bool available = AutoConfigPicker.PretrainedAvailable(out string where);
            if (o.Pretrained && !available) log($"Training from scratch: {where}");
            bool pretrained = o.Pretrained && available;
            choice = AutoConfigPicker.PickShape(DatasetStatistics.From(train.Records, train.ClassNames.Count), o.TimeBudget ?? DefaultBudget, pretrained,
                pretrained ? "restored with the build" : o.Pretrained ? "the pretrained weights are not restored here" : "Pretrained = false");
            cfg = AutoConfigPicker.BuildConfig(choice);
            if (o.MaxIterations is { } given) cfg.MergeFromList(AutoConfigPicker.ScheduleOverrides(given));
        }
        int numClasses = train.ClassNames.Count;
        var pairs = new List<string>();
        void Set(string key, string value) => pairs.AddRange([key, value]);
        static string Tuple(IEnumerable<int> values) => "(" + string.Join(", ", values) + ",)";
        static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        if (o.MaxIterations is { } max && choice is null)
        {
            // The schedule was designed for the config's own length: keep its shape.
            double scale = (double)max / cfg.Solver.MaxIter;
            Set("SOLVER.MAX_ITER", max.ToString(CultureInfo.InvariantCulture));
            Set("SOLVER.STEPS", Tuple(cfg.Solver.Steps.Select(s => Math.Clamp((int)Math.Round(s * scale), 1, max))));
            Set("SOLVER.WARMUP_ITERS", ((int)Math.Round(cfg.Solver.WarmupIters * scale)).ToString(CultureInfo.InvariantCulture));
        }
        if (o.BatchSize is { } batch)
        {
            if (batch < 1) throw new ArgumentOutOfRangeException(nameof(o), batch, "BatchSize must be >= 1.");
            Set("SOLVER.IMS_PER_BATCH", batch.ToString(CultureInfo.InvariantCulture));
        }
        if (o.LearningRate is { } lr)
        {
            if (!(lr > 0) || !double.IsFinite(lr)) throw new ArgumentOutOfRangeException(nameof(o), lr, "LearningRate must be a positive number.");
            Set("SOLVER.BASE_LR", Num(lr));
        }
        if (o.ImageSize is { } size)
        {
            if (size < 32) throw new ArgumentOutOfRangeException(nameof(o), size, "ImageSize (the short side) must be >= 32.");
            double ratio = (double)cfg.Input.MaxSizeTest / cfg.Input.MinSizeTest;
            string longSide = ((int)Math.Round(size * ratio)).ToString(CultureInfo.InvariantCulture);
            Set("INPUT.MIN_SIZE_TRAIN", Tuple([size]));
            Set("INPUT.MAX_SIZE_TRAIN", longSide);
            Set("INPUT.MIN_SIZE_TEST", size.ToString(CultureInfo.InvariantCulture));
            Set("INPUT.MAX_SIZE_TEST", longSide);
        }
        if (o.ScoreThreshold is { } score) Set("MODEL.ROI_HEADS.SCORE_THRESH_TEST", Num(score));
        if (o.IouThreshold is { } iou) Set("MODEL.ROI_HEADS.NMS_THRESH_TEST", Num(iou));
        if (o.Seed is { } seed) Set("SEED", seed.ToString(CultureInfo.InvariantCulture));
        Set("MODEL.ROI_HEADS.NUM_CLASSES", numClasses.ToString(CultureInfo.InvariantCulture));
        Set("DATASETS.TRAIN", $"('{TrainDataset}',)");
        Set("DATASETS.TEST", hasValidation ? $"('{ValidationDataset}',)" : "()");
        cfg.MergeFromList(pairs);
        if (o.ConfigOverrides.Count > 0) cfg.MergeFromList(o.ConfigOverrides.ToList());
        // Output folder and checkpoints belong to this run, whatever the file says.
        cfg.OutputDir = outputFolder;
        cfg.Solver.CheckpointPeriod = cfg.Solver.MaxIter;
        cfg.Validate();
        return cfg;
    }
}
