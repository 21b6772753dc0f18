using System.Globalization;
using Rcnn.Training.Solver;

namespace Rcnn.Cli.AutoConfig;

/// <summary>
/// Picks a config from dataset statistics and a time budget (no detection expertise needed). The rules, in order:
/// <list type="bullet">
/// <item>backbone: R-18 FPN with GroupNorm from scratch (no pretrained weights are shipped, and on a CPU deeper nets
///   get too few iterations); R-34 only with 2 h or more and 1000+ images;</item>
/// <item>FPN width: 128 under 1 h, 256 (detectron2's) from 1 h: half the width halves the FPN output convs, the RPN
///   head and the box head's first FC layer, measured 1.9x the iterations per second at 256 px on 2 cores;</item>
/// <item>short side S: large enough that the 5th-percentile object is at least <see cref="MinObjectPixels"/> px
///   (S = 8 / p5 relative size), rounded up to a multiple of 32, at least 256, at most the images' own median short
///   side (no upsampling past it) and at most 320 / 512 / 800 for budgets under 10 min / 1 h / longer; the long side
///   is capped at S * 1333 / 800 as in detectron2's 800/1333;</item>
/// <item>anchors: five octaves (one per FPN level P2..P6) starting at the largest power of two not above the
///   5th-percentile object at S, clamped to 8..32 px;</item>
/// <item>ROI heads: 128 sampled boxes per image (256 when images hold more than 32 objects on average); detections
///   per image at least 100 and 1.5x the most crowded image;</item>
/// <item>iterations: what the measured iterations per second fit into the budget, less a <see cref="BudgetReserve"/>
///   for evaluation and artefacts, but at most <see cref="BudgetSchedule.MaxEpochs"/> epochs; LR steps at 80%, warm-up
///   one sixth (10..200 iterations).</item>
/// </list>
/// </summary>
public static class AutoConfigPicker
{
    public const double MinObjectPixels = 8;

    public static AutoConfigChoice PickShape(DatasetStatistics s, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(s);
        var inv = CultureInfo.InvariantCulture;
        int depth = budget >= TimeSpan.FromHours(2) && s.ImageCount >= 1000 ? 34 : 18;
        string depthWhy = depth == 18
            ? "from scratch on the CPU (no pretrained weights): the smallest ResNet gets the most iterations in the budget; GroupNorm because batches are 2 images"
            : "2 h or more and 1000+ images leave room for a deeper from-scratch backbone";

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
            $"floor 256, cap {cap} for a {TimeBudget.Format(budget)} budget, no upsampling past {native}: objects span {p5px:F0}-{p95px:F0} px (5th-95th percentile) at {shortSide}");

        double baseAnchor = Math.Clamp(Math.Pow(2, Math.Floor(Math.Log2(Math.Max(p5px, 1)))), 8, 32);
        var anchors = Enumerable.Range(0, 5).Select(k => baseAnchor * Math.Pow(2, k)).ToArray();
        string anchorWhy = string.Create(inv,
            $"one octave per FPN level from the power of two under the 5th-percentile object ({p5px:F0} px), clamped to 8..32; the largest covers {anchors[^1]:F0} px vs the 95th percentile {p95px:F0} px");

        int roi = s.MeanObjectsPerImage > 32 ? 256 : 128;
        int dets = Math.Max(100, (int)Math.Ceiling(1.5 * s.MaxObjectsPerImage));
        var choice = new AutoConfigChoice
        {
            BackboneDepth = depth,
            FpnChannels = fpn,
            ShortSide = shortSide,
            MaxSize = maxSize,
            AnchorSizes = anchors,
            RoiBatchSizePerImage = roi,
            DetectionsPerImage = dets,
            NumClasses = s.ClassCount,
        };
        choice.Reasons.Add(("backbone", $"R-{depth} FPN, GN, from scratch", depthWhy));
        choice.Reasons.Add(("FPN width", fpn.ToString(inv), fpnWhy));
        choice.Reasons.Add(("image size", $"short side {shortSide}, long side <= {maxSize}", sizeWhy));
        choice.Reasons.Add(("anchor sizes", string.Join(", ", anchors.Select(a => a.ToString(inv))), anchorWhy));
        choice.Reasons.Add(("ROI batch / image", roi.ToString(inv), string.Create(inv, $"{s.MeanObjectsPerImage:F1} objects per image on average (256 above 32)")));
        choice.Reasons.Add(("detections / image", dets.ToString(inv), $"the most crowded image has {s.MaxObjectsPerImage} objects (at least 100, 1.5x that)"));
        choice.Reasons.Add(("classes", s.ClassCount.ToString(inv), $"{s.ObjectCount} objects in {s.ImageCount} training images"));
        return choice;
    }

    /// <summary>Iterations that fit: floor(training seconds x iterations per second), at least 20, but at most
    /// <see cref="BudgetSchedule.MaxEpochs"/> epochs (<see cref="AutoConfigChoice.IterationCap"/>, which refits keep to);
    /// the training seconds are <paramref name="budget"/> less <paramref name="reserve"/>.</summary>
    /// <param name="trainImages">Training images, for the <see cref="BudgetSchedule.MaxEpochs"/> cap (with
    /// <paramref name="imagesPerBatch"/>).</param>
    public static int PickIterations(AutoConfigChoice choice, TimeSpan budget, double iterationsPerSecond, BudgetReserve reserve,
        int trainImages, int imagesPerBatch)
    {
        if (!(iterationsPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(iterationsPerSecond), iterationsPerSecond, "must be > 0");
        ArgumentNullException.ThrowIfNull(reserve);
        double seconds = reserve.TrainingSeconds(budget);
        int fit = Math.Max(20, (int)Math.Floor(seconds * iterationsPerSecond));
        int cap = BudgetSchedule.EpochCap(trainImages, imagesPerBatch);
        int iters = Math.Min(fit, cap);
        choice.MaxIter = iters;
        choice.IterationCap = cap;
        var inv = CultureInfo.InvariantCulture;
        string timed = string.Create(inv, $"{iterationsPerSecond:F2} it/s measured x {seconds:F0} s (the budget left less {reserve.Why})");
        choice.Reasons.Add(("iterations", iters.ToString(inv), fit <= cap ? timed : string.Create(inv,
            $"{BudgetSchedule.MaxEpochs} epochs of {trainImages} images in batches of {imagesPerBatch}, so the run ends early: trained from scratch for longer, a small dataset overfits. The budget fits {fit}: {timed}")));
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
