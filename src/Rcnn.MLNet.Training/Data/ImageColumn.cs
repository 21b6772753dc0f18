using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Data;

/// <summary>
/// A training image column: an <see cref="MLImage"/> per row (e.g. from LoadImages), written as a PNG so training reads
/// it through Rcnn.Training's own image path (PNG is lossless: the trained pixels are the MLImage's pixels), or, where
/// allowed, text holding an image file's path, which training reads in place.
/// </summary>
internal sealed class ImageColumn
{
    private ImageColumn(DataViewSchema.Column column, bool isPath)
    {
        Column = column;
        IsPath = isPath;
    }

    public DataViewSchema.Column Column { get; }

    /// <summary>True for a text column of image file paths.</summary>
    public bool IsPath { get; }

    public static ImageColumn Find(DataViewSchema schema, string name, string parameter, string role, bool allowPaths)
    {
        var col = schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(parameter,
            $"{role}: image column '{name}' was not found; columns: [{string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}].");
        if (col.Type is ImageDataViewType) return new ImageColumn(col, false);
        if (allowPaths && col.Type is TextDataViewType) return new ImageColumn(col, true);
        throw new ArgumentOutOfRangeException(parameter, allowPaths
            ? $"{role}: image column '{name}' must be an image (MLImage, e.g. from LoadImages) or text (an image file path); got {col.Type}."
            : $"{role}: column '{name}' must be an image (MLImage, e.g. from LoadImages); got {col.Type}.");
    }

    /// <summary>A reader of the current row's image as a file and its (EXIF-oriented) size. MLImages are saved as
    /// <c>&lt;row&gt;.png</c> under <paramref name="imageFolder"/> (created on the first one); paths are checked to exist.</summary>
    public Func<(string File, int Width, int Height)> MakeReader(DataViewRow row, string imageFolder, string role)
    {
        if (IsPath)
        {
            var text = row.GetGetter<ReadOnlyMemory<char>>(Column);
            ReadOnlyMemory<char> value = default;
            return () =>
            {
                text(ref value);
                string path = value.ToString().Trim();
                if (path.Length == 0) throw new InvalidOperationException($"{role}: row {row.Position}, column '{Column.Name}' has no image path.");
                path = Path.GetFullPath(path);
                try
                {
                    var (w, h) = ImageReader.ReadSize(path);
                    return (path, w, h);
                }
                catch (DatasetException e)
                {
                    throw new InvalidOperationException($"{role}: row {row.Position}, column '{Column.Name}': {e.Message}", e);
                }
            };
        }
        var getter = row.GetGetter<MLImage>(Column);
        MLImage image = null!;
        return () =>
        {
            getter(ref image);
            if (image is null) throw new InvalidOperationException($"{role}: row {row.Position}, column '{Column.Name}' has no image.");
            Directory.CreateDirectory(imageFolder);
            string file = Path.Combine(imageFolder, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{row.Position:D6}.png"));
            image.Save(file);
            return (file, image.Width, image.Height);
        };
    }
}
