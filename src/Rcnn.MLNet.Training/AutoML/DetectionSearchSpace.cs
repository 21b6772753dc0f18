using Rcnn.Training.Layers;

namespace Rcnn.MLNet.AutoML;

/// <summary>
/// What a <see cref="DetectionExperiment"/> searches (AutoML's search space, for detection): pretrained or from scratch
/// (and, pretrained, FREEZE_AT), backbone depth (R-18 only when pretrained), base LR
/// (log-uniform between the bounds), image short side, anchor size sets (five sizes, one per FPN level), ROI batch size
/// per image, iterations and FPN width (detectron2's 256, or narrower: the FPN and RPN 3x3 convolutions at stride 4 cost
/// most of a small-image iteration, and their cost falls with the square of the width). Choices are sampled uniformly.
/// </summary>
public sealed class DetectionSearchSpace
{
    public IReadOnlyList<int> BackboneDepths { get; init; } = [18, 34, 50];
    public double MinBaseLearningRate { get; init; } = 0.005;
    public double MaxBaseLearningRate { get; init; } = 0.04;

    /// <summary>The base LR range of pretrained trials (fine-tuning wants a smaller LR than training from scratch); the
    /// from-scratch range (<see cref="MinBaseLearningRate"/>..<see cref="MaxBaseLearningRate"/>) when null.</summary>
    public (double Min, double Max)? PretrainedLearningRates { get; init; }
    public IReadOnlyList<int> ImageSizes { get; init; } = [224, 256, 320];
    public IReadOnlyList<IReadOnlyList<double>> AnchorSizeSets { get; init; } =
        [[8, 16, 32, 64, 128], [16, 32, 64, 128, 256], [32, 64, 128, 256, 512]];
    public IReadOnlyList<int> RoiBatchSizesPerImage { get; init; } = [64, 128, 256];
    public IReadOnlyList<int> Iterations { get; init; } = [100, 200, 300];
    public IReadOnlyList<int> FpnChannels { get; init; } = [128, 256];

    /// <summary>Fine-tuned from ImageNet weights (true), from scratch (false), or both.</summary>
    public IReadOnlyList<bool> Pretrained { get; init; } = [false];

    /// <summary>MODEL.BACKBONE.FREEZE_AT values for pretrained trials (1 the stem ... 5 the whole trunk).</summary>
    public IReadOnlyList<int> FreezeAt { get; init; } = [2];

    /// <summary>
    /// The space's default point (AutoML's search-space defaults): when set, the tuners propose it as trial 0 and sample
    /// from trial 1 on, so the experiment always measures the configuration a user would get without searching. It must
    /// lie in the space.
    /// </summary>
    public DetectionParameters? Default { get; init; }

    /// <summary>Whether <paramref name="channels"/> can be an FPN width: a positive multiple of GroupNorm's group count.</summary>
    public static bool IsFpnWidth(int channels) => channels > 0 && channels % Norm.GroupNormGroups == 0;

    /// <summary>Throws naming the first empty or invalid dimension.</summary>
    public void Validate()
    {
        static void NonEmpty<T>(IReadOnlyList<T> list, string name)
        {
            if (list is null || list.Count == 0) throw new ArgumentException($"Search space dimension {name} is empty.", name);
        }
        NonEmpty(BackboneDepths, nameof(BackboneDepths));
        NonEmpty(ImageSizes, nameof(ImageSizes));
        NonEmpty(AnchorSizeSets, nameof(AnchorSizeSets));
        NonEmpty(RoiBatchSizesPerImage, nameof(RoiBatchSizesPerImage));
        NonEmpty(Iterations, nameof(Iterations));
        NonEmpty(FpnChannels, nameof(FpnChannels));
        NonEmpty(Pretrained, nameof(Pretrained));
        NonEmpty(FreezeAt, nameof(FreezeAt));
        if (FreezeAt.FirstOrDefault(f => f is < 0 or > 5) is int badFreeze and not 0)
            throw new ArgumentException($"FREEZE_AT {badFreeze} is not 0..5.", nameof(FreezeAt));
        if (Pretrained.Contains(true) && !BackboneDepths.Contains(18))
            throw new ArgumentException("Pretrained trials are R-18 (the only pretrained trunk), but the backbone depths exclude 18.", nameof(Pretrained));
        if (BackboneDepths.FirstOrDefault(d => d is not (18 or 34 or 50 or 101 or 152)) is int bad and not 0)
            throw new ArgumentException($"Backbone depth {bad} is not a ResNet depth (18, 34, 50, 101, 152).", nameof(BackboneDepths));
        if (!(MinBaseLearningRate > 0) || MaxBaseLearningRate < MinBaseLearningRate)
            throw new ArgumentException($"Base LR range [{MinBaseLearningRate}, {MaxBaseLearningRate}] must be positive and ordered.", nameof(MinBaseLearningRate));
        if (PretrainedLearningRates is { } p && (!(p.Min > 0) || p.Max < p.Min))
            throw new ArgumentException($"Pretrained base LR range [{p.Min}, {p.Max}] must be positive and ordered.", nameof(PretrainedLearningRates));
        if (AnchorSizeSets.FirstOrDefault(a => a.Count != 5) is { } wrong)
            throw new ArgumentException($"Anchor size set [{string.Join(", ", wrong)}] must have 5 sizes (FPN levels P2..P6).", nameof(AnchorSizeSets));
        if (Iterations.Any(i => i < 1)) throw new ArgumentException("Iterations must be >= 1.", nameof(Iterations));
        if (FpnChannels.FirstOrDefault(c => !IsFpnWidth(c)) is int badWidth and not 0)
            throw new ArgumentException($"FPN width {badWidth} must be a positive multiple of {Norm.GroupNormGroups}.", nameof(FpnChannels));
        if (Default is { } d)
        {
            string? outside = !BackboneDepths.Contains(d.BackboneDepth) ? $"backbone depth {d.BackboneDepth}"
                : !(d.BaseLearningRate >= LearningRates(d.Pretrained).Min && d.BaseLearningRate <= LearningRates(d.Pretrained).Max) ? $"base LR {d.BaseLearningRate}"
                : !ImageSizes.Contains(d.ImageSize) ? $"image size {d.ImageSize}"
                : !AnchorSizeSets.Any(a => a.SequenceEqual(d.AnchorSizes)) ? $"anchor sizes [{string.Join(", ", d.AnchorSizes)}]"
                : !RoiBatchSizesPerImage.Contains(d.RoiBatchSizePerImage) ? $"ROI batch {d.RoiBatchSizePerImage}"
                : !Iterations.Contains(d.Iterations) ? $"iterations {d.Iterations}"
                : !FpnChannels.Contains(d.FpnChannels) ? $"FPN width {d.FpnChannels}"
                : !Pretrained.Contains(d.Pretrained) ? (d.Pretrained ? "pretrained trunk" : "from-scratch trunk")
                : d.Pretrained && (d.BackboneDepth != 18 || !FreezeAt.Contains(d.FreezeAt)) ? $"pretrained R-{d.BackboneDepth} with FREEZE_AT {d.FreezeAt}"
                : !d.Pretrained && d.FreezeAt != 0 ? $"from-scratch FREEZE_AT {d.FreezeAt}" : null;
            if (outside is not null) throw new ArgumentException($"The default point's {outside} is outside the search space.", nameof(Default));
        }
    }

    /// <summary>The base LR range of a pretrained or a from-scratch trial.</summary>
    public (double Min, double Max) LearningRates(bool pretrained) =>
        pretrained && PretrainedLearningRates is { } p ? p : (MinBaseLearningRate, MaxBaseLearningRate);

    /// <summary>Trial <paramref name="trialId"/>'s point: <see cref="Default"/> for trial 0 when set, else a draw.</summary>
    public DetectionParameters Propose(int trialId, Random rng) => trialId == 0 && Default is { } d ? d : Sample(rng);

    /// <summary>Draws one point; the draw order is fixed, so a seeded <paramref name="rng"/> gives a reproducible sequence.</summary>
    public DetectionParameters Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int depth = BackboneDepths[rng.Next(BackboneDepths.Count)];
        double u = rng.NextDouble();   // where in its trunk's LR range (log scale) the trial's LR lies
        int size = ImageSizes[rng.Next(ImageSizes.Count)];
        var anchors = AnchorSizeSets[rng.Next(AnchorSizeSets.Count)];
        int roi = RoiBatchSizesPerImage[rng.Next(RoiBatchSizesPerImage.Count)];
        int iters = Iterations[rng.Next(Iterations.Count)];
        int fpn = FpnChannels[rng.Next(FpnChannels.Count)];
        // Drawn after the others, so spaces without these dimensions draw the same points as before them.
        bool pretrained = Pretrained.Count > 1 ? Pretrained[rng.Next(Pretrained.Count)] : Pretrained[0];
        int freeze = FreezeAt.Count > 1 ? FreezeAt[rng.Next(FreezeAt.Count)] : FreezeAt[0];
        var (min, max) = LearningRates(pretrained);
        double lr = Math.Round(Math.Exp(Math.Log(min) + u * (Math.Log(max) - Math.Log(min))), 5);
        return pretrained
            ? new DetectionParameters(18, lr, size, anchors.ToArray(), roi, iters, fpn, true, freeze)
            : new DetectionParameters(depth, lr, size, anchors.ToArray(), roi, iters, fpn);
    }
}
