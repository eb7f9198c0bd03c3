{# The book's first page (print-site's cover_page_template), the same for both languages. #}
<div class="book-cover">
  <h1>{{ config.site_name }}</h1>
  <p>{{ config.site_description }}</p>
  <p><a href="{{ config.site_url }}">{{ config.site_url }}</a></p>
  <p>{{ config.copyright }}</p>
</div>
