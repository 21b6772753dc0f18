using System.Globalization;
using System.Text;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// One call from a model and a dataset to COCO box metrics (detectron2's inference_on_dataset + COCOEvaluator):
/// test-time resize (INPUT.MIN_SIZE_TEST / MAX_SIZE_TEST), inference with boxes in original-image pixels, ground truth
/// from the records (VOC "difficult" is ignored, COCO iscrowd is crowd), and optional result files in an output folder.
/// </summary>
public static class DatasetEvaluation
{
    public const string ResultsFile = "coco_instances_results.json";
    public const string MetricsFile = "eval_metrics.json";
    public const string FalsePositivesFile = "false_positives.json";

    /// <summary>The IoU and score at which false positives are counted and drawn (AP50's match, a confident detection).</summary>
    public const double FalsePositiveIou = 0.5, FalsePositiveMinScore = 0.5;

    /// <summary>Evaluates <paramref name="model"/> on the registered dataset <paramref name="datasetName"/>.</summary>
    public static CocoEvalResult Evaluate(GeneralizedRcnn model, DatasetCatalog catalog, string datasetName, RcnnConfig cfg,
        string? outputDir = null, Action<string>? print = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var d = catalog.Get(datasetName);
        return Evaluate(model, d.Records, d.Metadata, cfg, outputDir, print);
    }

    public static CocoEvalResult Evaluate(GeneralizedRcnn model, IReadOnlyList<DatasetRecord> records, DatasetMetadata metadata,
        RcnnConfig cfg, string? outputDir = null, Action<string>? print = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(cfg);
        if (records.Count == 0) throw new ArgumentException($"Dataset '{metadata.Name}' has no images to evaluate.", nameof(records));
        var ids = ImageIds(records);
        var toCategory = ContiguousToCategoryId(metadata);
        var detections = new List<CocoDetection>();
        bool wasTraining = model.training;
        model.eval();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var mapper = new DatasetMapper(false, AugmentationList.Build(cfg.Input, false), cfg.Input.Format);
            using var loader = DetectionDataLoader.CreateTest(records, mapper, cfg.DataLoader.NumWorkers);
            int next = 0;  // the test loader yields the records in order
            foreach (var batch in loader.Batches())
            {
                // One scope per image: activations and outputs are freed before the next, so memory stays flat.
                using var scope = NewDisposeScope();
                try
                {
                    var inputs = batch.Select(s => s.ToInput(training: false)).ToList();
                    var outputs = model.Inference(inputs);
                    for (int i = 0; i < batch.Count; i++)
                        detections.AddRange(InstancesToCoco.Convert(ids[next++], outputs[i], toCategory));
                }
                finally
                {
                    foreach (var s in batch) s.Dispose();
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        print?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"Inference on '{metadata.Name}': {records.Count} images in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalSeconds / records.Count:F3} s/image), {detections.Count} detections."));
        return Score(records, metadata, detections, outputDir, print, drawFalsePositives: true);
    }

    /// <summary>Scores per-image predictions (pred_boxes in original pixels, scores, pred_classes), in record order.</summary>
    public static CocoEvalResult EvaluatePredictions(IReadOnlyList<DatasetRecord> records, DatasetMetadata metadata,
        IReadOnlyList<Instances> predictions, string? outputDir = null, Action<string>? print = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count != records.Count)
            throw new ArgumentException($"There are {predictions.Count} predictions for {records.Count} images.", nameof(predictions));
        var ids = ImageIds(records);
        var toCategory = ContiguousToCategoryId(metadata);
        var detections = predictions.SelectMany((p, i) => InstancesToCoco.Convert(ids[i], p, toCategory)).ToList();
        return Score(records, metadata, detections, outputDir, print, drawFalsePositives: false);
    }

    /// <summary>The records as COCO ground truth, with the image ids <see cref="ImageIds"/> gives.</summary>
    public static CocoGroundTruth GroundTruth(IReadOnlyList<DatasetRecord> records, DatasetMetadata metadata)
    {
        var ids = ImageIds(records);
        var toCategory = ContiguousToCategoryId(metadata);
        var categories = metadata.ThingClasses.Select((name, k) => new CocoCategory(toCategory[k], name)).ToList();
        var images = records.Select((r, i) => new CocoImage(ids[i],
            r.Annotations.Select(a => new CocoGroundTruthObject(CocoBox.FromXyxy(a.X0, a.Y0, a.X1, a.Y1), Category(a, toCategory, r),
                IsCrowd: a.IsCrowd, Ignore: a.Difficult)).ToList(),
            r.Width, r.Height, r.FileName)).ToList();
        return new CocoGroundTruth(categories, images);
    }

    /// <summary>Numeric record ids when all are numbers and distinct (COCO), else the record's position (VOC names).</summary>
    public static long[] ImageIds(IReadOnlyList<DatasetRecord> records)
    {
        var parsed = records.Select(r => long.TryParse(r.ImageId, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : (long?)null).ToArray();
        if (parsed.All(v => v is not null) && parsed.Distinct().Count() == parsed.Length) return parsed.Select(v => v!.Value).ToArray();
        return Enumerable.Range(0, records.Count).Select(i => (long)i).ToArray();
    }

    /// <summary>Dataset category id of each contiguous class (identity when the dataset has no id map, as for VOC).</summary>
    public static int[] ContiguousToCategoryId(DatasetMetadata metadata)
    {
        int k = metadata.ThingClasses.Count;
        var result = Enumerable.Range(0, k).ToArray();
        if (metadata.ThingDatasetIdToContiguousId is { } map)
            foreach (var (datasetId, contiguous) in map)
            {
                if (contiguous < 0 || contiguous >= k)
                    throw new ArgumentException($"Dataset '{metadata.Name}' maps category {datasetId} to contiguous id {contiguous}, outside 0..{k - 1}.", nameof(metadata));
                result[contiguous] = datasetId;
            }
        return result;
    }

    private static int Category(ObjectAnnotation a, int[] toCategory, DatasetRecord r) =>
        a.CategoryId >= 0 && a.CategoryId < toCategory.Length ? toCategory[a.CategoryId]
            : throw new ArgumentException($"Image '{r.FileName}' has an object of class {a.CategoryId}, outside the {toCategory.Length} classes.");

    /// <summary>
    /// Writes the results, metrics, PR curves and false positives (JSON; with <paramref name="drawFalsePositives"/>, when
    /// the images were just read for inference, also the gallery) to <paramref name="outputDir"/>, and prints the summary.
    /// </summary>
    private static CocoEvalResult Score(IReadOnlyList<DatasetRecord> records, DatasetMetadata metadata, List<CocoDetection> detections,
        string? outputDir, Action<string>? print, bool drawFalsePositives)
    {
        var groundTruth = GroundTruth(records, metadata);
        var result = CocoEvaluator.Evaluate(groundTruth, detections);
        var falsePositives = CocoFalsePositives.Find(groundTruth, detections, FalsePositiveIou);
        string gallery = "";
        if (outputDir is not null)
        {
            Directory.CreateDirectory(outputDir);
            CocoResultsJson.Write(Path.Combine(outputDir, ResultsFile), detections);
            File.WriteAllText(Path.Combine(outputDir, MetricsFile), EvaluationMetricsJson.Write(metadata.Name, result));
            PrCurvePlot.SavePerCategory(result, outputDir);
            File.WriteAllText(Path.Combine(outputDir, FalsePositivesFile), FalsePositivesJson.Write(falsePositives, groundTruth, records, FalsePositiveIou));
            if (drawFalsePositives)
            {
                var byId = ImageIds(records).Zip(records).ToDictionary(x => x.First, x => x.Second);
                var names = groundTruth.Categories.ToDictionary(c => c.Id, c => c.Name);
                int drawn = FalsePositiveGallery.Save(Path.Combine(outputDir, FalsePositiveGallery.FileName), falsePositives,
                    id => ImageReader.Read(byId[id], "RGB"), id => byId[id].FileName, c => names[c]);
                if (drawn > 0) gallery = $"; the {drawn} highest-scoring are drawn in {FalsePositiveGallery.FileName}";
            }
        }
        print?.Invoke($"Evaluation results for bbox on '{metadata.Name}':{Environment.NewLine}{result.FormatSummary()}{PerClassTable(result)}"
            + FalsePositiveSummary(falsePositives) + gallery);
        return result;
    }

    /// <summary>One line: the confident false positives at <see cref="FalsePositiveIou"/> by kind.</summary>
    public static string FalsePositiveSummary(IReadOnlyList<CocoFalsePositive> falsePositives)
    {
        var confident = falsePositives.Where(f => f.Detection.Score >= FalsePositiveMinScore).ToList();
        var counts = CocoFalsePositives.CountByKind(confident);
        string kinds = string.Join(", ", counts.Select(kv => $"{kv.Key.Name()} {kv.Value}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"False positives at IoU {FalsePositiveIou:0.00} with score >= {FalsePositiveMinScore:0.0}: {confident.Count} ({kinds})");
    }

    /// <summary>detectron2's per-category AP table, in percent ("nan" for a class without ground truth).</summary>
    public static string PerClassTable(CocoEvalResult result)
    {
        int width = Math.Max(8, result.PerCategoryAp.Keys.DefaultIfEmpty("").Max(k => k.Length));
        var sb = new StringBuilder();
        sb.AppendLine($"| {"category".PadRight(width)} | AP     |");
        sb.AppendLine($"|{new string('-', width + 2)}|--------|");
        foreach (var (name, ap) in result.PerCategoryAp)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name.PadRight(width)} | {(double.IsNaN(ap) ? "nan" : (ap * 100).ToString("F3", CultureInfo.InvariantCulture)),6} |"));
        return sb.ToString();
    }
}
