namespace Rcnn.Cli.Datasets;

/// <summary>
/// What a --dataset path points at: a COCO JSON file (images in --images, else beside the JSON) or a Pascal VOC root
/// (a folder with Annotations/, JPEGImages/ and ImageSets/Main/, or a folder holding exactly one such root).
/// </summary>
public sealed record DatasetLocation(DatasetKind Kind, string Path, string? ImageRoot)
{
    public static DatasetLocation Resolve(string path, string? images, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CliUsageException($"{option} is empty.");
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            if (!full.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                throw new CliUsageException($"{option} '{path}' is a file but not a COCO .json file; give a COCO JSON file or a Pascal VOC root folder.");
            string root = images is null ? System.IO.Path.GetDirectoryName(full)! : System.IO.Path.GetFullPath(images);
            if (!Directory.Exists(root)) throw new CliUsageException($"--images: image folder '{images}' not found.");
            return new DatasetLocation(DatasetKind.CocoJson, full, root);
        }
        if (!Directory.Exists(full)) throw new CliUsageException($"{option}: '{path}' does not exist (expected a COCO .json file or a Pascal VOC root folder).");
        if (images is not null) throw new CliUsageException($"--images applies to COCO JSON datasets only; '{path}' is a folder (Pascal VOC).");
        if (IsVocRoot(full)) return new DatasetLocation(DatasetKind.PascalVoc, full, null);
        var inner = Directory.GetDirectories(full).Where(IsVocRoot).ToArray();
        if (inner.Length == 1) return new DatasetLocation(DatasetKind.PascalVoc, inner[0], null);
        throw new CliUsageException(inner.Length > 1
            ? $"{option}: '{path}' holds several Pascal VOC roots ({string.Join(", ", inner.Select(System.IO.Path.GetFileName))}); give one of them."
            : $"{option}: '{path}' is not a Pascal VOC root (no Annotations/ and ImageSets/Main/ folders) and holds none.");
    }

    public static bool IsVocRoot(string dir) =>
        Directory.Exists(System.IO.Path.Combine(dir, "Annotations")) && Directory.Exists(System.IO.Path.Combine(dir, "ImageSets", "Main"));

    /// <summary>The VOC split names present (ImageSets/Main/*.txt without class-specific lists such as "RBC_train").</summary>
    public IReadOnlyList<string> VocSplits() => Kind != DatasetKind.PascalVoc ? [] :
        Directory.GetFiles(System.IO.Path.Combine(Path, "ImageSets", "Main"), "*.txt").Select(System.IO.Path.GetFileNameWithoutExtension)
            .Where(s => s is "train" or "val" or "trainval" or "test").Select(s => s!).Order().ToArray();
}
