using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling;

/// <summary>
/// detectron2's ROIPooler: pools each box from one feature level chosen by its size (the FPN paper's Eqn. 1) with
/// ROIAlign ("ROIAlignV2" = aligned, "ROIAlign" = legacy). Levels are given by their scales (1 / stride), finest first.
/// </summary>
public sealed class RoiPooler : nn.Module<IReadOnlyList<Tensor>, IReadOnlyList<Boxes>, Tensor>
{
    private readonly RoiAlign[] levelPoolers;

    /// <summary>A pooler with one <see cref="RoiAlign"/> per feature level.</summary>
    /// <param name="outputSize">Side of each pooled ROI, in bins (POOLER_RESOLUTION).</param>
    /// <param name="scales">Each level's scale, 1 / stride, finest first: consecutive powers of 1/2, at most 1.</param>
    /// <param name="samplingRatio">ROIAlign sample points per bin and axis; 0 for adaptive.</param>
    /// <param name="poolerType">"ROIAlignV2" (aligned) or "ROIAlign" (legacy).</param>
    /// <param name="canonicalBoxSize">Side, in image pixels, of a box assigned to <paramref name="canonicalLevel"/>.
    /// </param>
    /// <param name="canonicalLevel">The level of a canonical box (4, as in the FPN paper).</param>
    public RoiPooler(int outputSize, IReadOnlyList<double> scales, int samplingRatio, string poolerType,
        int canonicalBoxSize = 224, int canonicalLevel = 4)
        : base(nameof(RoiPooler))
    {
        if (outputSize <= 0) throw new ArgumentException($"outputSize must be positive, got {outputSize}.", nameof(outputSize));
        if (scales is null || scales.Count == 0) throw new ArgumentException("scales must name at least one level.", nameof(scales));
        if (canonicalBoxSize <= 0) throw new ArgumentException($"canonicalBoxSize must be positive, got {canonicalBoxSize}.", nameof(canonicalBoxSize));
        bool aligned = poolerType switch
        {
            "ROIAlignV2" => true,
            "ROIAlign" => false,
            _ => throw new ArgumentException($"Unsupported poolerType '{poolerType}' (expected ROIAlignV2 or ROIAlign).", nameof(poolerType)),
        };

        MinLevel = LevelOf(scales[0], nameof(scales));
        MaxLevel = LevelOf(scales[^1], nameof(scales));
        if (scales.Count != MaxLevel - MinLevel + 1)
            throw new ArgumentException($"scales [{string.Join(", ", scales)}] must be consecutive powers of 1/2, finest first.", nameof(scales));
        for (int i = 0; i < scales.Count; i++)
            if (LevelOf(scales[i], nameof(scales)) != MinLevel + i)
                throw new ArgumentException($"scales [{string.Join(", ", scales)}] must be consecutive powers of 1/2, finest first.", nameof(scales));
        if (MinLevel < 0)
            throw new ArgumentException($"scales must be at most 1, got {scales[0]}.", nameof(scales));

        OutputSize = outputSize;
        CanonicalBoxSize = canonicalBoxSize;
        CanonicalLevel = canonicalLevel;
        levelPoolers = scales.Select(s => new RoiAlign(outputSize, s, samplingRatio, aligned)).ToArray();
    }

    /// <summary>Side of each pooled ROI, in bins.</summary>
    public int OutputSize { get; }
    /// <summary>Level of the finest map, -log2(scales[0]) (2 for FPN's P2, stride 4).</summary>
    public int MinLevel { get; }
    /// <summary>Level of the coarsest map, -log2 of the last scale.</summary>
    public int MaxLevel { get; }
    /// <summary>Side, in image pixels, of a box assigned to <see cref="CanonicalLevel"/>.</summary>
    public int CanonicalBoxSize { get; }
    /// <summary>The level of a box of side <see cref="CanonicalBoxSize"/>.</summary>
    public int CanonicalLevel { get; }

    /// <summary>One ROIAlign per level, finest first (read by the ONNX exporter).</summary>
    public IReadOnlyList<RoiAlign> LevelPoolers => levelPoolers;

    /// <summary>
    /// <see cref="Forward"/>: <paramref name="features"/> holds one (N, C, Hl, Wl) float32 CPU map per level, finest
    /// first; <paramref name="boxLists"/> one <see cref="Boxes"/> per image, in image pixels. Returns (M, C, out, out).
    /// </summary>
    public override Tensor forward(IReadOnlyList<Tensor> features, IReadOnlyList<Boxes> boxLists) => Forward(features, boxLists);

    /// <summary>(M, C, out, out) pooled features, M the total box count, in the order of the concatenated box lists.</summary>
    public Tensor Forward(IReadOnlyList<Tensor> features, IReadOnlyList<Boxes> boxLists)
    {
        if (features.Count != levelPoolers.Length)
            throw new ArgumentException($"Expected {levelPoolers.Length} feature levels, got {features.Count}.", nameof(features));
        if (boxLists.Count != features[0].shape[0])
            throw new ArgumentException($"Got {boxLists.Count} box lists for a batch of {features[0].shape[0]} images.", nameof(boxLists));
        long channels = features[0].shape[1];
        if (boxLists.Count == 0)
            return zeros(new long[] { 0, channels, OutputSize, OutputSize }, features[0].dtype, features[0].device);

        var rois = ToPoolerFormat(boxLists, features[0].dtype);
        if (levelPoolers.Length == 1)
            return levelPoolers[0].call(features[0], rois);

        // detectron2 pools each level separately and scatters the results back with index_put_; writing every level
        // straight into one output (and back-propagating straight into each level) gives the same values faster.
        var levels = AssignBoxesToLevels(boxLists, MinLevel, MaxLevel, CanonicalBoxSize, CanonicalLevel).data<long>().ToArray();
        var geometries = new RoiAlignGeometry[levelPoolers.Length];
        for (int l = 0; l < levelPoolers.Length; l++)
        {
            var p = levelPoolers[l];
            RoiAlignOp.Validate(features[l], rois, OutputSize, OutputSize, p.SpatialScale, p.SamplingRatio);
            geometries[l] = new RoiAlignGeometry((int)features[l].shape[2], (int)features[l].shape[3], OutputSize, OutputSize,
                p.SpatialScale, p.SamplingRatio, p.Aligned);
        }
        return RoiAlign.ApplyLevels(features.ToArray(), geometries, rois, levels);
    }

    /// <summary>
    /// detectron2's assign_boxes_to_levels, in float32 as there: floor(canonicalLevel + log2(sqrt(area) / canonicalBoxSize
    /// + 1e-8)), clamped to [minLevel, maxLevel], minus minLevel (int64, one entry per box of the concatenated lists).
    /// </summary>
    public static Tensor AssignBoxesToLevels(IReadOnlyList<Boxes> boxLists, int minLevel, int maxLevel, int canonicalBoxSize, int canonicalLevel)
    {
        if (minLevel > maxLevel) throw new ArgumentException($"minLevel {minLevel} is above maxLevel {maxLevel}.", nameof(minLevel));
        var areas = boxLists.Count == 0 ? zeros(0) : cat(boxLists.Select(b => b.Area()).ToArray(), 0);
        var sizes = sqrt(areas);
        var levels = floor(log2(sizes.Over(canonicalBoxSize).Plus(1e-8)).Plus((double)canonicalLevel));
        return levels.Clamp(minLevel, maxLevel).to(ScalarType.Int64).Minus((long)minLevel);
    }

    /// <summary>(M, 5) rows of (image index, x0, y0, x1, y1).</summary>
    private static Tensor ToPoolerFormat(IReadOnlyList<Boxes> boxLists, ScalarType dtype)
    {
        var parts = new Tensor[boxLists.Count];
        for (int i = 0; i < boxLists.Count; i++)
        {
            var boxes = boxLists[i].Tensor.to(dtype);
            parts[i] = cat(new[] { Scalars.Full([boxes.shape[0], 1], i, dtype, boxes.device), boxes }, 1);
        }
        return cat(parts, 0);
    }

    private static int LevelOf(double scale, string argument)
    {
        double level = -Math.Log2(scale);
        int rounded = (int)Math.Round(level);
        if (!(scale > 0) || Math.Abs(level - rounded) > 1e-9)
            throw new ArgumentException($"Each scale must be a power of 2 (1 / stride), got {scale}.", argument);
        return rounded;
    }
}
