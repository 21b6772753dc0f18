namespace Rcnn.Cli.Output;

/// <summary>predictions.json: per image, its file and detections (box x0,y0,x1,y1 in its pixels, label, class id, score).</summary>
public static class PredictionJson
{
    public static void Write(string path, IEnumerable<ImagePrediction> predictions)
    {
        var items = predictions.Select(p => new
        {
            file = p.FileName,
            width = p.Image.Width,
            height = p.Image.Height,
            detections = p.Detections.Select(d => new { box = new[] { d.X0, d.Y0, d.X1, d.Y1 }, label = d.Label, class_id = d.ClassId, score = d.Score }),
        });
        JsonFiles.Write(path, items);
    }
}
