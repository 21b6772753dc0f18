namespace Rcnn.Training.Config;

/// <summary><c>INPUT.CROP</c>: optional random crop before resizing.</summary>
public sealed class CropConfig
{
    public bool Enabled { get; set; }

    [ConfigChoice("relative_range", "relative", "absolute", "absolute_range")]
    public string Type { get; set; } = "relative_range";

    /// <summary>(h, w): fractions of the image for the relative types, pixels for the absolute ones.</summary>
    [ConfigRange(Min = 0, MinExclusive = true), ConfigLength(Exact = 2)]
    public List<double> Size { get; set; } = [0.9, 0.9];
}
