using Rcnn.Training.Structures;
using static TorchSharp.torch;
using Rcnn.Training.Modeling.Backbones;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>(x - PIXEL_MEAN) / PIXEL_STD per channel, then padding into an ImageList (zeros after normalisation,
/// as detectron2 pads). Mean and std are kept as numbers and materialised on the images' device.</summary>
internal sealed class Normalizer
{
    private readonly float[] mean;
    private readonly float[] std;

    public Normalizer(IReadOnlyList<double> pixelMean, IReadOnlyList<double> pixelStd)
    {
        if (pixelMean.Count != pixelStd.Count)
            throw new ArgumentException($"PIXEL_MEAN has {pixelMean.Count} values but PIXEL_STD has {pixelStd.Count}.");
        mean = pixelMean.Select(v => (float)v).ToArray();
        std = pixelStd.Select(v => (float)v).ToArray();
    }

    public ImageList ToImageList(IReadOnlyList<Tensor> images, Backbone backbone)
    {
        if (images.Count == 0) throw new ArgumentException("no images in the batch");
        var normalized = new List<Tensor>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            var img = images[i];
            if (img.dim() != 3 || img.shape[0] != mean.Length)
                throw new ArgumentException($"image {i} has shape [{string.Join(", ", img.shape)}]; expected ({mean.Length}, H, W).");
            var m = tensor(mean, device: img.device).view(-1, 1, 1);
            var s = tensor(std, device: img.device).view(-1, 1, 1);
            normalized.Add((img.to_type(ScalarType.Float32) - m) / s);
        }
        if (backbone.SquarePad > 0)
        {
            long maxSide = images.Max(t => Math.Max(t.shape[1], t.shape[2]));
            if (maxSide > backbone.SquarePad)
                throw new ArgumentException($"an image side of {maxSide} exceeds the backbone's square padding {backbone.SquarePad}.");
        }
        var list = ImageList.FromTensors(normalized, backbone.SizeDivisibility);
        if (backbone.SquarePad == 0) return list;
        var padded = zeros(list.Tensor.shape[0], list.Tensor.shape[1], backbone.SquarePad, backbone.SquarePad, device: list.Tensor.device);
        padded[.., .., TensorIndex.Slice(0, list.Tensor.shape[2]), TensorIndex.Slice(0, list.Tensor.shape[3])] = list.Tensor;
        return new ImageList(padded, list.ImageSizes);
    }
}
