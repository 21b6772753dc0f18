using Rcnn.Training.Evaluation;

namespace Rcnn.Training.Tests.Evaluation;

/// <summary>
/// A published pycocotools printout: torchmetrics' early detection tests (tests/detection/test_map.py, 2021) list ten
/// fake detections of cocoapi's results/instances_val2014_fakebbox100_results.json on COCO images 42, 73, 74 and 133
/// (classes renumbered 0..5), with the COCOeval summary printed to 3 decimals. We must reproduce every number.
/// </summary>
[TestClass]
public class CocoReferenceTests
{
    // XYXY boxes as listed there.
    private static readonly (long Image, int Label, double[] Xyxy, double Score)[] Preds =
    [
        (42, 4, [258.15, 41.29, 606.41, 285.07], 0.236),
        (73, 3, [61.00, 22.75, 565.00, 632.42], 0.318),
        (73, 2, [12.66, 3.32, 281.26, 275.23], 0.726),
        (74, 4, [87.87, 276.25, 384.29, 379.43], 0.546),
        (74, 1, [0.00, 3.66, 142.15, 316.06], 0.3),
        (74, 0, [296.55, 93.96, 314.97, 152.79], 0.407),
        (74, 0, [328.94, 97.05, 342.49, 122.98], 0.611),
        (74, 0, [356.62, 95.47, 372.33, 147.55], 0.335),
        (74, 0, [464.08, 105.09, 495.74, 146.99], 0.805),
        (74, 0, [276.11, 103.84, 291.44, 150.72], 0.953),
        (133, 5, [0.00, 2.87, 601.00, 421.52], 0.699),
    ];

    private static readonly (long Image, int Label, double[] Xyxy)[] Targets =
    [
        (42, 4, [214.15, 41.29, 562.41, 285.07]),
        (73, 2, [13.00, 22.75, 548.98, 632.42]),
        (73, 2, [1.66, 3.32, 270.26, 275.23]),
        (74, 4, [61.87, 276.25, 358.29, 379.43]),
        (74, 1, [2.75, 3.66, 162.15, 316.06]),
        (74, 0, [295.55, 93.96, 313.97, 152.79]),
        (74, 0, [326.94, 97.05, 340.49, 122.98]),
        (74, 0, [356.62, 95.47, 372.33, 147.55]),
        (74, 0, [462.08, 105.09, 493.74, 146.99]),
        (74, 0, [277.11, 103.84, 292.44, 150.72]),
        (133, 5, [13.99, 2.87, 640.00, 421.52]),
    ];

    private static CocoBox Box(double[] b) => CocoBox.FromXyxy(b[0], b[1], b[2], b[3]);

    [TestMethod]
    public void ReproducesThePublishedCocoEvalSummary()
    {
        var images = Targets.Select(t => t.Image).Distinct()
            .Select(id => new CocoImage(id, Targets.Where(t => t.Image == id).Select(t => new CocoGroundTruthObject(Box(t.Xyxy), t.Label)).ToArray()))
            .ToArray();
        var categories = Enumerable.Range(0, 6).Select(c => new CocoCategory(c, $"class{c}")).ToArray();
        var dets = Preds.Select(p => new CocoDetection(p.Image, p.Label, Box(p.Xyxy), p.Score));
        var r = CocoEvaluator.Evaluate(new CocoGroundTruth(categories, images), dets);

        double[] printed = [0.706, 0.901, 0.846, 0.689, 0.800, 0.701, 0.592, 0.716, 0.716, 0.767, 0.800, 0.700];
        for (int i = 0; i < 12; i++)
            Assert.AreEqual(printed[i], r.Stats[i], 5e-4 + 1e-12, CocoEvalResult.StatNames[i]);

        // The printout itself, character for character.
        string[] lines =
        [
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.706",
            " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.901",
            " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.846",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.689",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.800",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.701",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.592",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.716",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.716",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.767",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.800",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.700",
        ];
        CollectionAssert.AreEqual(lines, r.FormatSummary().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));

        // Per-class AP printed there (class 3 has a detection but no gt: -1 in pycocotools, NaN in detectron2's table).
        double[] perClass = [0.725, 0.800, 0.454, double.NaN, 0.650, 0.900];
        for (int c = 0; c < 6; c++)
        {
            var ap = r.PerCategoryAp[$"class{c}"];
            if (double.IsNaN(perClass[c])) Assert.IsTrue(double.IsNaN(ap));
            else Assert.AreEqual(perClass[c], ap, 5e-4 + 1e-12, $"class{c}");
        }
    }
}
