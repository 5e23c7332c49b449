// Boots the vendored GraphiQL (no network beyond this server). A link to /graphql#query=...
// pre-fills the editor (the fragment: ?query= would run the query instead of opening the IDE).
(function () {
  var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    defaultQuery: "# Sign in with the login mutation, then add the header\n" +
      "# {\"Authorization\": \"Bearer <token>\"} in Headers below.\n{ plugins { name } }\n",
    query: params.get("query") || undefined,
    headers: params.get("headers") || undefined,
    shouldPersistHeaders: false,
  }));
})();
