using System.Runtime.CompilerServices;
namespace Rcnn.Training.Data.Transforms;

/// <summary>
/// detectron2's BlendTransform on uint8 images: <c>srcWeight * src + dstWeight * image</c>, clipped to [0, 255] and
/// truncated back to bytes. <c>src</c> is a constant, or one value per pixel shared by the three channels (a grey image).
/// </summary>
public sealed class BlendTransform : Transform
{
    private readonly double srcConstant;
    private readonly double[]? srcPerPixel;

    public BlendTransform(double srcConstant, double srcWeight, double dstWeight)
    {
        this.srcConstant = srcConstant;
        (SrcWeight, DstWeight) = (srcWeight, dstWeight);
    }

    public BlendTransform(double[] srcPerPixel, double srcWeight, double dstWeight)
    {
        this.srcPerPixel = srcPerPixel ?? throw new ArgumentNullException(nameof(srcPerPixel));
        (SrcWeight, DstWeight) = (srcWeight, dstWeight);
    }

    public double SrcWeight { get; }
    public double DstWeight { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override ImageBuffer ApplyImage(ImageBuffer image)
    {
        var src = image.Data;
        if (this.srcPerPixel is not null && this.srcPerPixel.Length * 3 != src.Length)
            throw new ArgumentException($"The blend source has {this.srcPerPixel.Length} pixels, the image {src.Length / 3}.", nameof(image));
        var dst = new byte[src.Length];
        for (int i = 0; i < src.Length; i++)
        {
            double s = this.srcPerPixel is null ? this.srcConstant : this.srcPerPixel[i / 3];
            double v = SrcWeight * s + DstWeight * src[i];
            dst[i] = (byte)Math.Clamp(v, 0, 255);
        }
        return new ImageBuffer(dst, image.Height, image.Width, image.Format);
    }
}
