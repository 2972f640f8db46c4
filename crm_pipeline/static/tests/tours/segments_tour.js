import { registry } from "@web/core/registry";

/**
 * The head of sales opens the ABC x XYZ matrix (started by TestSegmentsUi on the
 * matrix action after classifying two clients: a steady AX one and an irregular AZ one),
 * reads the classes on both axes, switches to the graph, then to the list of AX clients.
 */
registry.category("web_tour.tours").add("crm_pipeline_segments_tour", {
    steps: () => [
        {
            content: "the matrix is a pivot",
            trigger: ".o_pivot_view .o_pivot table",
        },
        {
            content: "the ABC classes are the rows",
            trigger: ".o_pivot tbody th.o_pivot_header_cell_closed:contains(A)",
        },
        {
            content: "the XYZ classes are the columns",
            trigger: ".o_pivot thead th.o_pivot_header_cell_closed:contains(X)",
        },
        {
            content: "irregular clients have their column too",
            trigger: ".o_pivot thead th.o_pivot_header_cell_closed:contains(Z)",
        },
        {
            content: "the clients are counted",
            trigger: ".o_pivot thead th:contains(Count)",
        },
        {
            content: "switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "the graph is drawn",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            content: "switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "look for the steady client",
            trigger: "input.o_searchview_input",
            run: "edit Tour Steady",
        },
        {
            content: "search it",
            trigger: "input.o_searchview_input",
            run: "press Enter",
        },
        {
            content: "the steady client is AX",
            trigger: ".o_list_view .o_data_row:contains(Tour Steady Client) td[name=segment]:contains(AX)",
        },
    ],
});
