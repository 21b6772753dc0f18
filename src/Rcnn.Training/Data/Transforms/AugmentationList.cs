namespace Rcnn.Training.Data.Transforms;

/// <summary>Applies augmentations in order, each drawing its transform from the image as left by the previous ones.</summary>
public sealed class AugmentationList(IReadOnlyList<Augmentation> augmentations)
{
    public IReadOnlyList<Augmentation> Augmentations { get; } = augmentations ?? throw new ArgumentNullException(nameof(augmentations));

    public (ImageBuffer Image, IReadOnlyList<Transform> Transforms) Apply(ImageBuffer image, Random rng)
    {
        var transforms = new List<Transform>(Augmentations.Count);
        foreach (var aug in Augmentations)
        {
            var t = aug.GetTransform(image, rng);
            image = t.ApplyImage(image);
            transforms.Add(t);
        }
        return (image, transforms);
    }

    /// <summary>detectron2's build_augmentation: ResizeShortestEdge from INPUT.*, plus RandomFlip when training, after a
    /// RandomCrop when training with INPUT.CROP.ENABLED (as DatasetMapper.from_config puts it first).</summary>
    public static AugmentationList Build(Config.InputConfig input, bool isTrain)
    {
        ArgumentNullException.ThrowIfNull(input);
        var augs = new List<Augmentation>();
        if (isTrain)
        {
            if (input.Crop.Enabled) augs.Add(BuildCrop(input.Crop));
            augs.Add(new ResizeShortestEdge(input.MinSizeTrain, input.MaxSizeTrain, input.MinSizeTrainSampling));
            if (input.RandomFlip != "none")
                augs.Add(new RandomFlip(0.5, horizontal: input.RandomFlip == "horizontal", vertical: input.RandomFlip == "vertical"));
        }
        else
        {
            augs.Add(new ResizeShortestEdge([input.MinSizeTest], input.MaxSizeTest));
        }
        return new AugmentationList(augs);
    }

    private static RandomCrop BuildCrop(Config.CropConfig crop) =>
        RandomCrop.Problem(crop.Type, crop.Size) is { } problem
            ? throw new Config.ConfigException($"INPUT.CROP (TYPE '{crop.Type}'): {problem}.", "INPUT.CROP.SIZE")
            : new RandomCrop(crop.Type, crop.Size);
}
