using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.AnchorGenerators;

/// <summary>
/// detectron2's DefaultAnchorGenerator: per feature level, a set of cell anchors (one per size x aspect ratio, centred
/// on the origin) replicated at every grid position of that level's feature map.
/// </summary>
[RegisterModule(RegistryKind.AnchorGenerator, "DefaultAnchorGenerator")]
public sealed class DefaultAnchorGenerator : nn.Module<IReadOnlyList<Tensor>, List<Boxes>>
{
    private readonly int[] strides;
    private readonly int[] numCellAnchors;

    /// <param name="sizes">Per level, anchor sizes as sqrt(area) in input pixels; a single list is used for every level.</param>
    /// <param name="aspectRatios">Per level, height / width ratios; a single list is used for every level.</param>
    /// <param name="strides">Each feature level's stride in input pixels; one level per entry.</param>
    /// <param name="offset">Where in a stride x stride cell the anchor centres sit, as a fraction in [0, 1).</param>
    public DefaultAnchorGenerator(
        IReadOnlyList<IReadOnlyList<double>> sizes,
        IReadOnlyList<IReadOnlyList<double>> aspectRatios,
        IReadOnlyList<int> strides,
        double offset = 0.0) : base(nameof(DefaultAnchorGenerator))
    {
        ArgumentNullException.ThrowIfNull(strides);
        if (strides.Count == 0)
            throw new ArgumentException("DefaultAnchorGenerator needs at least one stride.", nameof(strides));
        foreach (int s in strides)
            if (s <= 0)
                throw new ArgumentException($"Strides must be positive, got [{string.Join(", ", strides)}].", nameof(strides));
        if (!(offset >= 0 && offset < 1))
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The anchor offset must be in [0, 1).");

        var levelSizes = Broadcast(sizes, strides.Count, nameof(sizes));
        var levelRatios = Broadcast(aspectRatios, strides.Count, nameof(aspectRatios));
        this.strides = strides.ToArray();
        Offset = offset;
        numCellAnchors = new int[strides.Count];
        for (int level = 0; level < strides.Count; level++)
        {
            var cell = GenerateCellAnchors(levelSizes[level], levelRatios[level]);
            numCellAnchors[level] = (int)cell.shape[0];
            // Derived state: a non-persistent buffer stays out of checkpoints; _toEpilog moves it with .to().
            register_buffer(BufferName(level), cell, persistent: false);
        }
    }

    /// <summary>detectron2's <c>DefaultAnchorGenerator.from_config</c>: sizes, ratios and offset from
    /// MODEL.ANCHOR_GENERATOR, one level per input shape at its stride.</summary>
    public static DefaultAnchorGenerator FromConfig(RcnnConfig cfg, IReadOnlyList<ShapeSpec> inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(inputShape);
        var a = cfg.Model.AnchorGenerator;
        return new DefaultAnchorGenerator(a.Sizes, a.AspectRatios, inputShape.Select(s => s.Stride).ToList(), a.Offset);
    }

    /// <summary>Each level's stride in input pixels (the spacing of its anchor grid), one entry per level.</summary>
    public IReadOnlyList<int> Strides => this.strides;

    /// <summary>Anchor centres sit at (Offset + i) x stride per axis; in [0, 1)
    /// (MODEL.ANCHOR_GENERATOR.OFFSET).</summary>
    public double Offset { get; }

    /// <summary>Anchors per grid position, per level (sizes x aspect ratios).</summary>
    public IReadOnlyList<int> NumCellAnchors => numCellAnchors;

    /// <summary>Coordinates per anchor: axis-aligned (x0, y0, x1, y1).</summary>
    public int BoxDim => 4;

    /// <summary>The (A, 4) cell anchors of <paramref name="level"/>, centred on (0, 0), on the module's device.</summary>
    public Tensor CellAnchors(int level)
    {
        if (level < 0 || level >= this.strides.Length)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"There are {this.strides.Length} levels.");
        return get_buffer(BufferName(level))
            ?? throw new InvalidOperationException($"The cell anchor buffer of level {level} is missing.");
    }

    /// <summary>
    /// One <see cref="Boxes"/> of (Hi * Wi * A, 4) anchors per level, ordered (H, W, A) with the cell anchor index fastest.
    /// Only the features' spatial sizes are used, so the anchors are shared by every image of the batch.
    /// </summary>
    public override List<Boxes> forward(IReadOnlyList<Tensor> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count != this.strides.Length)
            throw new ArgumentException(
                $"Got {features.Count} feature maps for {this.strides.Length} anchor levels (strides [{string.Join(", ", this.strides)}]).",
                nameof(features));

        var result = new List<Boxes>(features.Count);
        for (int level = 0; level < features.Count; level++)
        {
            var f = features[level];
            if (f.dim() < 2)
                throw new ArgumentException(
                    $"Feature map {level} must be (N, C, H, W), got shape [{string.Join(", ", f.shape)}].", nameof(features));
            result.Add(new Boxes(GridAnchors(level, f.shape[^2], f.shape[^1])));
        }
        return result;
    }

    /// <summary>detectron2-style name for <see cref="forward"/>.</summary>
    public List<Boxes> Forward(IReadOnlyList<Tensor> features) => forward(features);

    private Tensor GridAnchors(int level, long height, long width)
    {
        using var scope = NewDisposeScope();
        var cell = CellAnchors(level);
        int stride = this.strides[level];
        var shiftsX = Scalars.Arange(Offset * stride, width * stride, stride, ScalarType.Float32, cell.device);
        var shiftsY = Scalars.Arange(Offset * stride, height * stride, stride, ScalarType.Float32, cell.device);
        var grid = meshgrid(new[] { shiftsY, shiftsX }, indexing: "ij");
        var shiftY = grid[0].reshape(-1);
        var shiftX = grid[1].reshape(-1);
        var shifts = stack(new[] { shiftX, shiftY, shiftX, shiftY }, 1);
        var anchors = shifts.view(-1, 1, 4).Plus(cell.view(1, -1, 4)).reshape(-1, 4);
        return anchors.MoveToOuterDisposeScope();
    }

    /// <summary>For each size (outer) and ratio (inner): w = sqrt(size^2 / ratio), h = ratio * w, centred on 0.</summary>
    private static Tensor GenerateCellAnchors(IReadOnlyList<double> sizes, IReadOnlyList<double> ratios)
    {
        var coords = new float[sizes.Count * ratios.Count * 4];
        int k = 0;
        foreach (double size in sizes)
            foreach (double ratio in ratios)
            {
                double w = Math.Sqrt(size * size / ratio);
                double h = ratio * w;
                coords[k++] = (float)(-w / 2);
                coords[k++] = (float)(-h / 2);
                coords[k++] = (float)(w / 2);
                coords[k++] = (float)(h / 2);
            }
        return tensor(coords, new long[] { sizes.Count * ratios.Count, 4 }).DetachFromDisposeScope();
    }

    private static IReadOnlyList<double>[] Broadcast(IReadOnlyList<IReadOnlyList<double>> perLevel, int numLevels, string name)
    {
        ArgumentNullException.ThrowIfNull(perLevel, name);
        if (perLevel.Count != 1 && perLevel.Count != numLevels)
            throw new ArgumentException(
                $"{name} has {perLevel.Count} lists for {numLevels} feature levels; give one list per level or a single list for all.",
                name);
        var lists = Enumerable.Range(0, numLevels).Select(i => perLevel[perLevel.Count == 1 ? 0 : i]).ToArray();
        foreach (var list in lists)
        {
            if (list is null || list.Count == 0)
                throw new ArgumentException($"Every {name} list needs at least one value.", name);
            foreach (double v in list)
                if (!(v > 0) || double.IsInfinity(v))
                    throw new ArgumentException($"{name} values must be positive and finite, got [{string.Join(", ", list)}].", name);
        }
        return lists;
    }

    /// <summary>
    /// TorchSharp's Module.to skips non-persistent buffers (its buffer enumeration drops them), so the cell anchors
    /// are moved here; they are re-registered as non-persistent so they never reach a state dict.
    /// </summary>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        for (int level = 0; level < this.strides.Length; level++)
        {
            var old = CellAnchors(level);
            var moved = old.to(dtype ?? old.dtype, device ?? old.device, non_blocking: non_blocking).DetachFromDisposeScope();
            if (moved.Handle == old.Handle) continue;
            ConditionallyRegisterBuffer(BufferName(level), moved, persistent: false);
            old.Dispose();
        }
    }

    /// <summary>Module.Dispose skips non-persistent buffers for the same reason; free the cell anchors here.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            for (int level = 0; level < this.strides.Length; level++)
                get_buffer(BufferName(level))?.Dispose();
        base.Dispose(disposing);
    }

    private static string BufferName(int level) => $"cell_anchors_{level}";
}
