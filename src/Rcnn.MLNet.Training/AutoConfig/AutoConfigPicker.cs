using System.Globalization;
using Rcnn.Training.Checkpoint;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// Picks a config from dataset statistics and a time budget (no detection expertise needed); <c>rcnn train</c>,
/// <c>rcnn experiment</c> and <c>DetectObjects</c> without a config all use it. The rules, in order:
/// <list type="bullet">
/// <item>backbone: R-18 FPN fine-tuned from ML.NET's ImageNet ResNet-18 (<c>mlnet://ResNet18</c>, FrozenBN, stem and
///   res2 frozen) when the weights are restored and the caller does not ask for scratch; else R-18 FPN with GroupNorm
///   from scratch, R-34 only with 2 h or more and 1000+ images;</item>
/// <item>FPN width: 128 under 1 h, 256 (detectron2's) from 1 h: half the width halves the FPN output convs, the RPN
///   head and the box head's first FC layer, about twice the iterations per second (docs/benchmarks.md);</item>
/// <item>short side S: large enough that the 5th-percentile object is at least <see cref="MinObjectPixels"/> px
///   (S = 8 / p5 relative size), rounded up to a multiple of 32, at least 256, at most the images' own median short
///   side (no upsampling past it) and at most 320 / 512 / 800 for budgets under 10 min / 1 h / longer; the long side
///   is capped at S * 1333 / 800 as in detectron2's 800/1333;</item>
/// <item>anchors: five octaves (one per FPN level P2..P6) starting at the largest power of two not above the
///   5th-percentile object at S, clamped to 8..32 px;</item>
/// <item>ROI heads: 128 sampled boxes per image (256 when images hold more than 32 objects on average); detections
///   per image at least 100 and 1.5x the most crowded image;</item>
/// <item>iterations: what the measured iterations per second fit into the budget, less a <see cref="BudgetReserve"/>
///   for evaluation and artefacts; LR step at 80%, warm-up one sixth (10..200 iterations). Validation decides the rest:
///   the LR steps early when it stops improving and the best model by validation is kept
///   (<see cref="AutoSchedule"/>).</item>
/// </list>
/// </summary>
public static class AutoConfigPicker
{
    public const double MinObjectPixels = 8;

    /// <summary>The config a pretrained pick builds on (and its preset name).</summary>
    public const string PretrainedPreset = "R18-FPN-Pretrained";

    /// <summary>The config a from-scratch pick builds on.</summary>
    public const string ScratchPreset = "R18-FPN-Scratch";

    /// <summary>Whether the pretrained weights the pick would fine-tune from are restored here; <paramref name="why"/>
    /// says where they are, or why not.</summary>
    public static bool PretrainedAvailable(out string why)
    {
        try
        {
            why = PretrainedWeights.Resolve(PretrainedWeights.ResNet18.Name);
            return true;
        }
        catch (FileNotFoundException e)
        {
            why = e.Message;
            return false;
        }
    }

    /// <param name="pretrained">Fine-tune from ImageNet weights (the caller checked <see cref="PretrainedAvailable"/>).</param>
    /// <param name="pretrainedWhy">What the backbone line of the table says about the weights: where they are, or why a
    /// from-scratch pick was made.</param>
    public static AutoConfigChoice PickShape(DatasetStatistics s, TimeSpan budget, bool pretrained = false, string? pretrainedWhy = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        var inv = CultureInfo.InvariantCulture;
        int depth = !pretrained && budget >= TimeSpan.FromHours(2) && s.ImageCount >= 1000 ? 34 : 18;
        string depthWhy = pretrained
            ? $"fine-tuned from ML.NET's ImageNet ResNet-18 ({PretrainedWeights.ResNet18.Name}{(pretrainedWhy is null ? "" : $": {pretrainedWhy}")}), as detectron2 " +
              "fine-tunes from ImageNet weights: FrozenBN, stem and res2 frozen (FREEZE_AT 2), new FPN and heads; the smallest ResNet gets the most iterations on a CPU"
            : depth == 18
                ? $"from scratch{(pretrainedWhy is null ? "" : $" ({pretrainedWhy})")}: the smallest ResNet gets the most iterations in the budget; GroupNorm because batches are 2 images"
                : "from scratch: 2 h or more and 1000+ images leave room for a deeper backbone";

        int fpn = budget < TimeSpan.FromHours(1) ? 128 : 256;
        string fpnWhy = fpn == 128
            ? "under 1 h: half of detectron2's 256 makes the FPN, RPN head and box head about half as costly (1.9x the iterations per second measured at 256 px on 2 cores), and a short budget gains more from iterations than from width"
            : "1 h or more: detectron2's width";

        int cap = budget < TimeSpan.FromMinutes(10) ? 320 : budget < TimeSpan.FromHours(1) ? 512 : 800;
        double needed = MinObjectPixels / s.RelativeSizeP5;
        int native = Math.Max(256, RoundUp32(s.MedianShortSide));
        int shortSide = Math.Min(Math.Min(Math.Max(256, RoundUp32(needed)), cap), native);
        int maxSize = (int)Math.Round(shortSide * 1333.0 / 800.0);
        double p5px = s.RelativeSizeP5 * shortSide, p95px = s.RelativeSizeP95 * shortSide;
        string sizeWhy = string.Create(inv,
            $"5% of objects are under {s.RelativeSizeP5 * s.MedianShortSide:F0} px at the images' {s.MedianShortSide:F0} px; keeping them >= {MinObjectPixels} px needs {needed:F0} px; " +
            $"floor 256, cap {cap} for a {budget.TotalMinutes:F0}-minute budget, no upsampling past {native}: objects span {p5px:F0}-{p95px:F0} px (5th-95th percentile) at {shortSide}");

        double baseAnchor = Math.Clamp(Math.Pow(2, Math.Floor(Math.Log2(Math.Max(p5px, 1)))), 8, 32);
        var anchors = Enumerable.Range(0, 5).Select(k => baseAnchor * Math.Pow(2, k)).ToArray();
        string anchorWhy = string.Create(inv,
            $"one octave per FPN level from the power of two under the 5th-percentile object ({p5px:F0} px), clamped to 8..32; the largest covers {anchors[^1]:F0} px vs the 95th percentile {p95px:F0} px");

        int roi = s.MeanObjectsPerImage > 32 ? 256 : 128;
        int dets = Math.Max(100, (int)Math.Ceiling(1.5 * s.MaxObjectsPerImage));
        var choice = new AutoConfigChoice
        {
            Pretrained = pretrained,
            BackboneDepth = depth,
            FpnChannels = fpn,
            ShortSide = shortSide,
            MaxSize = maxSize,
            AnchorSizes = anchors,
            RoiBatchSizePerImage = roi,
            DetectionsPerImage = dets,
            NumClasses = s.ClassCount,
        };
        choice.Reasons.Add(("backbone", pretrained ? "R-18 FPN, ImageNet-pretrained, FrozenBN" : $"R-{depth} FPN, GN, from scratch", depthWhy));
        choice.Reasons.Add(("FPN width", fpn.ToString(inv), fpnWhy));
        choice.Reasons.Add(("image size", $"short side {shortSide}, long side <= {maxSize}", sizeWhy));
        choice.Reasons.Add(("anchor sizes", string.Join(", ", anchors.Select(a => a.ToString(inv))), anchorWhy));
        choice.Reasons.Add(("ROI batch / image", roi.ToString(inv), string.Create(inv, $"{s.MeanObjectsPerImage:F1} objects per image on average (256 above 32)")));
        choice.Reasons.Add(("detections / image", dets.ToString(inv), $"the most crowded image has {s.MaxObjectsPerImage} objects (at least 100, 1.5x that)"));
        choice.Reasons.Add(("classes", s.ClassCount.ToString(inv), $"{s.ObjectCount} objects in {s.ImageCount} training images"));
        return choice;
    }

    /// <summary>The config <paramref name="choice"/> builds on (a shipped preset) with the choice written into it.</summary>
    public static RcnnConfig BuildConfig(AutoConfigChoice choice)
    {
        ArgumentNullException.ThrowIfNull(choice);
        var cfg = ConfigPresets.Load(choice.Pretrained ? PretrainedPreset : ScratchPreset);
        choice.ApplyTo(cfg);
        return cfg;
    }

    /// <summary>Iterations that fit: floor(training seconds x iterations per second), at least 20; the training
    /// seconds are <paramref name="budget"/> less <paramref name="reserve"/>. No cap: validation stops a run that
    /// stopped improving (see the class summary).</summary>
    public static int PickIterations(AutoConfigChoice choice, TimeSpan budget, double iterationsPerSecond, BudgetReserve reserve)
    {
        ArgumentNullException.ThrowIfNull(choice);
        if (!(iterationsPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(iterationsPerSecond), iterationsPerSecond, "must be > 0");
        ArgumentNullException.ThrowIfNull(reserve);
        double seconds = reserve.TrainingSeconds(budget);
        int iters = Math.Max(20, (int)Math.Floor(seconds * iterationsPerSecond));
        choice.MaxIter = iters;
        choice.Reasons.Add(("iterations", iters.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture,
            $"{iterationsPerSecond:F2} it/s measured x {seconds:F0} s (the budget left less {reserve.Why}); the LR steps at 80%, or earlier when validation stops improving")));
        return iters;
    }

    /// <summary>The schedule for <paramref name="maxIter"/> iterations: LR step at 80%, warm-up a sixth (10..200),
    /// a checkpoint every fifth of the run.</summary>
    public static IReadOnlyList<string> ScheduleOverrides(int maxIter)
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            .. BudgetSchedule.SolverOverrides(maxIter),
            "SOLVER.WARMUP_ITERS", BudgetSchedule.WarmupIters(maxIter).ToString(inv),
            "SOLVER.CHECKPOINT_PERIOD", Math.Max(1, maxIter / 5).ToString(inv),
        ];
    }

    private static int RoundUp32(double v) => (int)Math.Ceiling(v / 32.0) * 32;
}
