using System.Globalization;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.Training;

/// <summary>The detectron2 config a DetectObjects run trains with: file or preset, then the options, then the overrides.</summary>
internal static class TrainingConfig
{
    public const string TrainDataset = "mlnet_train";
    public const string ValidationDataset = "mlnet_validation";

    public static RcnnConfig Build(DetectObjectsOptions o, int numClasses, bool hasValidation, string outputFolder)
    {
        var cfg = o.ConfigFile is { } file
            ? (File.Exists(file) ? RcnnConfig.FromFile(file) : throw new FileNotFoundException($"ConfigFile not found: {file}", file))
            : ConfigPresets.Load(o.Preset);
        var pairs = new List<string>();
        void Set(string key, string value) => pairs.AddRange([key, value]);
        static string Tuple(IEnumerable<int> values) => "(" + string.Join(", ", values) + ",)";
        static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        if (o.MaxIterations is { } max)
        {
            if (max < 1) throw new ArgumentOutOfRangeException(nameof(o), max, "MaxIterations must be >= 1.");
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
