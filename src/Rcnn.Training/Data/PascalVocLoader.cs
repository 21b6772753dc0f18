using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's <c>load_voc_instances</c>: image ids from <c>ImageSets/Main/&lt;split&gt;.txt</c>, one
/// <c>Annotations/&lt;id&gt;.xml</c> and <c>JPEGImages/&lt;id&gt;.jpg</c> each. VOC pixels are 1-based and inclusive, so 1 is
/// subtracted from xmin/ymin to get 0-based XYXY with an exclusive right/bottom edge. Difficult objects are kept, flagged.
/// </summary>
public static class PascalVocLoader
{
    public static LoadedDataset Load(string name, string root, string split, IReadOnlyList<string>? classNames, IDatasetLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var listFile = Path.Combine(root, "ImageSets", "Main", split + ".txt");
        if (!File.Exists(listFile))
            throw new DatasetException(listFile, $"the split list of VOC dataset '{name}' does not exist (root '{root}', split '{split}').");
        var ids = File.ReadAllLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

        var parsed = ids.Select(id => ParseXml(Path.Combine(root, "Annotations", id + ".xml"))).ToArray();
        IReadOnlyList<string> classes;
        if (classNames is null)
        {
            classes = parsed.SelectMany(p => p.Objects.Select(o => o.Name)).Distinct().Order(StringComparer.Ordinal).ToArray();
            log.Info($"Dataset '{name}': no class names given; using the {classes.Count} found in split '{split}', sorted: [{string.Join(", ", classes)}].");
        }
        else classes = classNames.ToArray();
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

        var summary = new DatasetSummary { Name = name };
        var records = new List<DatasetRecord>(ids.Length);
        for (int k = 0; k < ids.Length; k++)
        {
            var p = parsed[k];
            var image = Path.Combine(root, "JPEGImages", ids[k] + ".jpg");
            if (!File.Exists(image))
                throw new DatasetException(image, $"image of '{p.XmlFile}' not found (dataset '{name}').");
            var raw = p.Objects.Select(o =>
            {
                if (!index.TryGetValue(o.Name, out int cls))
                    throw new DatasetException(p.XmlFile, $"unknown class '{o.Name}'; the known classes are [{string.Join(", ", classes)}].");
                // A box with xmax <= xmin in inclusive coordinates is a click, not a 1-pixel object: degenerate.
                bool degenerate = o.XMax <= o.XMin || o.YMax <= o.YMin;
                return new BoxSanitizer.RawBox(new ObjectAnnotation(o.XMin - 1, o.YMin - 1, o.XMax, o.YMax, cls, Difficult: o.Difficult), degenerate);
            }).ToList();
            var kept = BoxSanitizer.Sanitize(p.XmlFile, p.Height, p.Width, raw, summary, log);
            records.Add(new DatasetRecord(image, p.Height, p.Width, ids[k], kept));
        }
        log.Info(summary.ToString());
        var metadata = new DatasetMetadata(name, classes, VocRoot: root, VocSplit: split);
        return new LoadedDataset(records, metadata, summary);
    }

    private sealed record VocObject(string Name, double XMin, double YMin, double XMax, double YMax, bool Difficult);

    private sealed record VocFile(string XmlFile, int Height, int Width, List<VocObject> Objects);

    private static VocFile ParseXml(string xmlFile)
    {
        if (!File.Exists(xmlFile)) throw new DatasetException(xmlFile, "annotation file not found.");
        XElement rootEl;
        try { rootEl = XDocument.Load(xmlFile, LoadOptions.SetLineInfo).Root ?? throw new XmlException("no root element"); }
        catch (XmlException e) { throw new DatasetException(xmlFile, $"malformed XML at line {e.LineNumber}, position {e.LinePosition}: {e.Message}", e); }

        int width = (int)Number(xmlFile, rootEl, "size/width");
        int height = (int)Number(xmlFile, rootEl, "size/height");
        var objects = rootEl.Elements("object").Select(o => new VocObject(
            (string?)o.Element("name") is { } n ? n.Trim() : throw new DatasetException(xmlFile, "an <object> has no <name>."),
            Number(xmlFile, o, "bndbox/xmin"), Number(xmlFile, o, "bndbox/ymin"),
            Number(xmlFile, o, "bndbox/xmax"), Number(xmlFile, o, "bndbox/ymax"),
            (string?)o.Element("difficult") is { } d && int.TryParse(d.Trim(), out int dv) && dv == 1)).ToList();
        return new VocFile(xmlFile, height, width, objects);
    }

    private static double Number(string file, XElement parent, string path)
    {
        XElement? el = parent;
        foreach (var part in path.Split('/')) el = el?.Element(part);
        if (el is null) throw new DatasetException(file, $"missing <{path}>.");
        if (!double.TryParse(el.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new DatasetException(file, $"<{path}> is '{el.Value}', not a number (line {((IXmlLineInfo)el).LineNumber}).");
        return v;
    }
}
