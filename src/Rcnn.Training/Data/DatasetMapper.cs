using System.Runtime.CompilerServices;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's DatasetMapper for boxes: read the image in <c>imageFormat</c>, apply the augmentations, move the non-crowd
/// boxes with them, clip to the new size and drop empty ones (filter_empty_instances, threshold 1e-5).
/// Randomness comes only from the RNG passed to <see cref="Map"/>, so a seeded loader is reproducible.
/// </summary>
public sealed class DatasetMapper : IDatasetMapper
{
    private const double EmptyBoxThreshold = 1e-5;

    public DatasetMapper(bool isTrain, AugmentationList augmentations, string imageFormat = "BGR")
    {
        if (imageFormat is not ("BGR" or "RGB"))
            throw new ArgumentException($"imageFormat must be BGR or RGB, got '{imageFormat}'.", nameof(imageFormat));
        IsTrain = isTrain;
        Augmentations = augmentations ?? throw new ArgumentNullException(nameof(augmentations));
        ImageFormat = imageFormat;
    }

    public bool IsTrain { get; }
    public AugmentationList Augmentations { get; }
    public string ImageFormat { get; }

    public MappedSample Map(DatasetRecord record, Random rng)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(rng);
        var image = ImageReader.Read(record, ImageFormat);
        var (augmented, transforms) = Augmentations.Apply(image, rng);
        var tensor = ToChwTensor(augmented);
        if (!IsTrain) return new MappedSample(tensor, null, record);
        try
        {
            return new MappedSample(tensor, BuildInstances(record, transforms, augmented.Height, augmented.Width), record);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>The transformed, clipped, non-empty, non-crowd boxes and classes, as detectron2's mapper leaves them.</summary>
    internal static Instances BuildInstances(DatasetRecord record, IReadOnlyList<Transform> transforms, int height, int width)
    {
        var boxes = new List<float>();
        var classes = new List<long>();
        foreach (var a in record.Annotations)
        {
            if (a.IsCrowd) continue;
            var b = (a.X0, a.Y0, a.X1, a.Y1);
            foreach (var t in transforms) b = t.ApplyBox(b);
            double x0 = Math.Clamp(b.X0, 0, width), x1 = Math.Clamp(b.X1, 0, width);
            double y0 = Math.Clamp(b.Y0, 0, height), y1 = Math.Clamp(b.Y1, 0, height);
            if (x1 - x0 <= EmptyBoxThreshold || y1 - y0 <= EmptyBoxThreshold) continue;
            boxes.AddRange([(float)x0, (float)y0, (float)x1, (float)y1]);
            classes.Add(a.CategoryId);
        }
        var instances = new Instances(height, width);
        instances.GtBoxes = new Boxes(torch.tensor(boxes.ToArray(), [classes.Count, 4]));
        instances.GtClasses = torch.tensor(classes.ToArray(), [classes.Count]);
        return instances;
    }

    /// <summary>HWC bytes to a (3, H, W) float32 tensor, values kept in 0..255, written straight into native storage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Tensor ToChwTensor(ImageBuffer image)
    {
        int plane = image.Height * image.Width;
        var tensor = torch.empty([3, image.Height, image.Width], ScalarType.Float32);
        // Tensor.bytes is a span over the tensor's own (contiguous, CPU) storage.
        var chw = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.bytes);
        var d = image.Data;
        for (int p = 0, i = 0; p < plane; p++, i += 3)
        {
            chw[p] = d[i];
            chw[plane + p] = d[i + 1];
            chw[2 * plane + p] = d[i + 2];
        }
        return tensor;
    }
}
