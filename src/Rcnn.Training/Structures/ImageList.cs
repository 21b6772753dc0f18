using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Structures;

/// <summary>
/// A batch of differently sized images padded into one (N, C, H, W) tensor, plus each image's unpadded (height, width),
/// as detectron2's <c>ImageList</c>. The unpadded sizes are what boxes get clipped to.
/// </summary>
public sealed class ImageList
{
    private readonly (int Height, int Width)[] imageSizes;

    /// <param name="tensor">(N, C, H, W) padded batch.</param>
    /// <param name="imageSizes">N unpadded (height, width) pairs, each within the padded size.</param>
    public ImageList(Tensor tensor, IReadOnlyList<(int Height, int Width)> imageSizes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(imageSizes);
        if (tensor.dim() != 4)
            throw new ArgumentException($"ImageList needs an (N, C, H, W) tensor, got shape [{string.Join(", ", tensor.shape)}].", nameof(tensor));
        if (imageSizes.Count != tensor.shape[0])
            throw new ArgumentException($"Got {imageSizes.Count} image sizes for a batch of {tensor.shape[0]} images.", nameof(imageSizes));
        foreach (var (h, w) in imageSizes)
            if (h < 0 || w < 0 || h > tensor.shape[2] || w > tensor.shape[3])
                throw new ArgumentException($"Image size ({h}, {w}) does not fit the padded size ({tensor.shape[2]}, {tensor.shape[3]}).", nameof(imageSizes));
        Tensor = tensor;
        this.imageSizes = imageSizes.ToArray();
    }

    /// <summary>(N, C, H, W) padded batch.</summary>
    public Tensor Tensor { get; }

    /// <summary>Unpadded (height, width) of each image.</summary>
    public IReadOnlyList<(int Height, int Width)> ImageSizes => this.imageSizes;

    /// <summary>Number of images, N.</summary>
    public int Count => this.imageSizes.Length;

    /// <summary>The device of the (N, C, H, W) padded batch.</summary>
    public Device Device => Tensor.device;

    /// <summary>Image <paramref name="index"/> as (C, h, w), cropped back to its unpadded size (a view, not a copy).</summary>
    public Tensor this[int index]
    {
        get
        {
            if (index < 0 || index >= Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"ImageList has {Count} images.");
            var (h, w) = this.imageSizes[index];
            return Tensor[index, .., TensorIndex.Slice(0, h), TensorIndex.Slice(0, w)];
        }
    }

    /// <summary>The batch on <paramref name="device"/> (the same tensor when already there), same sizes.</summary>
    public ImageList To(Device device) => new(Tensor.to(device), this.imageSizes);

    /// <summary>
    /// Pads each (C, H, W) image on the right and bottom with <paramref name="padValue"/> to the batch's largest height and
    /// width, rounded up to a multiple of <paramref name="sizeDivisibility"/> when it is above 1 (FPN uses 32 so every
    /// level's feature map divides evenly).
    /// </summary>
    public static ImageList FromTensors(IReadOnlyList<Tensor> images, int sizeDivisibility = 0, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("ImageList.FromTensors needs at least one image.", nameof(images));
        if (sizeDivisibility < 0)
            throw new ArgumentOutOfRangeException(nameof(sizeDivisibility), sizeDivisibility, "sizeDivisibility must be 0 (off) or positive.");
        for (int i = 0; i < images.Count; i++)
        {
            var shape = images[i].shape;
            if (shape.Length != 3)
                throw new ArgumentException($"images[{i}] must be (C, H, W), got shape [{string.Join(", ", shape)}].", nameof(images));
            if (shape[0] != images[0].shape[0])
                throw new ArgumentException($"images[{i}] has {shape[0]} channels but images[0] has {images[0].shape[0]}.", nameof(images));
        }

        var sizes = images.Select(im => ((int)im.shape[1], (int)im.shape[2])).ToArray();
        long maxH = sizes.Max(s => s.Item1), maxW = sizes.Max(s => s.Item2);
        if (sizeDivisibility > 1)
        {
            maxH = RoundUp(maxH, sizeDivisibility);
            maxW = RoundUp(maxW, sizeDivisibility);
        }

        var first = images[0];
        using var scope = NewDisposeScope();
        var batch = Scalars.Full(new[] { images.Count, first.shape[0], maxH, maxW }, padValue, first.dtype, first.device);
        for (int i = 0; i < images.Count; i++)
            batch[i, .., TensorIndex.Slice(0, sizes[i].Item1), TensorIndex.Slice(0, sizes[i].Item2)].copy_(images[i]);
        return new ImageList(batch.MoveToOuterDisposeScope(), sizes);
    }

    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
