namespace Rcnn.Training.Evaluation;

/// <summary>
/// The ground truth of an evaluation: its categories and images. As in pycocotools, every category listed is
/// evaluated (one with no objects gets -1) and every image listed is evaluated, annotated or not.
/// </summary>
public sealed class CocoGroundTruth
{
    public CocoGroundTruth(IReadOnlyList<CocoCategory> categories, IReadOnlyList<CocoImage> images)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(images);
        var catIds = new HashSet<int>();
        var catNames = new HashSet<string>();
        foreach (var c in categories)
        {
            if (c is null) throw new ArgumentException("A category is null.", nameof(categories));
            if (!catIds.Add(c.Id)) throw new ArgumentException($"Category id {c.Id} appears twice.", nameof(categories));
            // Names key the per-category AP, so they must be distinct.
            if (string.IsNullOrEmpty(c.Name) || !catNames.Add(c.Name))
                throw new ArgumentException($"Category {c.Id} has an empty or repeated name '{c.Name}'.", nameof(categories));
        }
        var imageIds = new HashSet<long>();
        foreach (var img in images)
        {
            if (img is null) throw new ArgumentException("An image is null.", nameof(images));
            if (!imageIds.Add(img.Id)) throw new ArgumentException($"Image id {img.Id} appears twice.", nameof(images));
            if (img.Objects is null) throw new ArgumentException($"Image {img.Id} has a null object list.", nameof(images));
            foreach (var o in img.Objects)
            {
                if (o is null) throw new ArgumentException($"Image {img.Id} has a null object.", nameof(images));
                if (!catIds.Contains(o.CategoryId))
                    throw new ArgumentException($"Image {img.Id} has an object of category {o.CategoryId}, which is not among the categories.", nameof(images));
                o.Box.Validate(nameof(images));
                if (o.Area is { } a && (!double.IsFinite(a) || a < 0))
                    throw new ArgumentException($"Image {img.Id} has an object with area {a}.", nameof(images));
            }
        }
        Categories = categories;
        Images = images;
    }

    public IReadOnlyList<CocoCategory> Categories { get; }

    public IReadOnlyList<CocoImage> Images { get; }
}
