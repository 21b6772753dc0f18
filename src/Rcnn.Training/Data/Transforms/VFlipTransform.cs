namespace Rcnn.Training.Data.Transforms;

/// <summary>Mirrors top-bottom; a box [y0, y1] becomes [H - y1, H - y0].</summary>
public sealed class VFlipTransform(int height) : Transform
{
    public int Height { get; } = height;

    public override ImageBuffer ApplyImage(ImageBuffer image)
    {
        if (image.Height != Height) throw new ArgumentException($"VFlipTransform was made for height {Height}, got an image of height {image.Height}.", nameof(image));
        int rowBytes = image.Width * 3;
        var dst = new byte[image.Data.Length];
        for (int y = 0; y < image.Height; y++)
            Buffer.BlockCopy(image.Data, (image.Height - 1 - y) * rowBytes, dst, y * rowBytes, rowBytes);
        return new ImageBuffer(dst, image.Height, image.Width, image.Format);
    }

    public override (double X0, double Y0, double X1, double Y1) ApplyBox((double X0, double Y0, double X1, double Y1) b) =>
        (b.X0, Height - b.Y1, b.X1, Height - b.Y0);
}
