namespace Rcnn.Training.Config;

/// <summary><c>INPUT</c>: resizing, flipping, cropping and pixel format of the input images.</summary>
public sealed class InputConfig
{
    /// <summary>Candidate short sides for training; one is drawn per image ("choice") or a range is sampled ("range").</summary>
    [ConfigRange(Min = 1), ConfigLength(Min = 1)]
    public List<int> MinSizeTrain { get; set; } = [800];

    [ConfigChoice("choice", "range")]
    public string MinSizeTrainSampling { get; set; } = "choice";

    [ConfigRange(Min = 1)]
    public int MaxSizeTrain { get; set; } = 1333;

    /// <summary>Test short side; 0 turns test-time resizing off.</summary>
    [ConfigRange(Min = 0)]
    public int MinSizeTest { get; set; } = 800;

    [ConfigRange(Min = 1)]
    public int MaxSizeTest { get; set; } = 1333;

    [ConfigChoice("horizontal", "vertical", "none")]
    public string RandomFlip { get; set; } = "horizontal";

    public CropConfig Crop { get; } = new();

    /// <summary>Channel order the model expects; PIXEL_MEAN/PIXEL_STD are in this order.</summary>
    [ConfigChoice("BGR", "RGB")]
    public string Format { get; set; } = "BGR";

    [ConfigChoice("polygon", "bitmask")]
    public string MaskFormat { get; set; } = "polygon";
}
